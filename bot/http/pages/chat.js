'use strict';

// Starts Web Chat against this server's Direct Line endpoint, with polling (the server keeps no sockets).
(function startChat() {
  const status = document.getElementById('chat-status');
  // Shown only once a script runs: without scripts the chat never starts, and the page does not say it is starting.
  status.hidden = false;
  const domain = `${window.location.origin}/v3/directline`;
  const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? '';
  // The page's language, not the browser's: the chat's own words, and the language the bot greets in.
  const locale = document.documentElement.lang || 'en';

  async function conversationToken() {
    // A signed-in page carries a token of its person's conversation; anyone else gets a fresh one.
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
          directLine: window.WebChat.createDirectLine({
            token,
            domain,
            webSocket: false,
            // A signed-in page names the conversation it resumes: directlinejs reconnects to it and reads it from the
            // start (no watermark), so the history shows again after a reload or in a new tab.
            conversationId: meta('webchat-conversation') || undefined,
            // Starting a conversation, the bot learns the language to greet in.
            conversationStartProperties: { locale },
          }),
          locale,
          nonce: meta('csp-nonce'),
          styleOptions: {
            accent: '#0b3d91',
            bubbleFromUserBackground: '#0b3d91',
            bubbleFromUserTextColor: '#ffffff',
            bubbleFromUserBorderRadius: 12,
            bubbleBorderRadius: 12,
            // Only an administrator's page offers files: the bulk import file.
            hideUploadButton: meta('webchat-upload') !== 'on',
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
