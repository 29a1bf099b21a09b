'use strict';

// Starts Web Chat against this server's Direct Line endpoint, with polling (the server keeps no sockets).
(function startChat() {
  const status = document.getElementById('chat-status');
  // Shown only once a script runs: without scripts the chat never starts, and the page does not say it is starting.
  status.hidden = false;
  const domain = `${window.location.origin}/v3/directline`;
  const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? '';

  async function conversationToken() {
    // A signed-in page carries the token of the conversation opened for that person; anyone else gets a fresh one.
    const embedded = meta('webchat-token');
    if (embedded) return embedded;
    const response = await fetch(`${domain}/tokens/generate`, { method: 'POST' });
    if (!response.ok) throw new Error(`token request failed with HTTP ${response.status}`);
    return (await response.json()).token;
  }

  conversationToken()
    .then((token) => {
      window.WebChat.renderWebChat(
        {
          directLine: window.WebChat.createDirectLine({ token, domain, webSocket: false }),
          locale: navigator.language || 'en-US',
          nonce: meta('csp-nonce'),
          styleOptions: {
            accent: '#0b3d91',
            bubbleFromUserBackground: '#0b3d91',
            bubbleFromUserTextColor: '#ffffff',
            bubbleFromUserBorderRadius: 12,
            bubbleBorderRadius: 12,
            hideUploadButton: true,
            sendBoxTextWrap: true,
          },
        },
        document.getElementById('webchat'),
      );
      status.hidden = true;
    })
    .catch(() => {
      // The page's own language: the server wrote the sentence into the status line.
      status.textContent = status.dataset.failed;
    });
})();
