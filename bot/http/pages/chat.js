'use strict';

// Starts Web Chat against this server's Direct Line endpoint, with polling (the server keeps no sockets).
(function startChat() {
  // Shown from the first paint; without scripts the page's <noscript> style hides it, as the chat never starts.
  const status = document.getElementById('chat-status');
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

  const element = document.getElementById('webchat');

  // A double click on a card's button is one press: a second click on the same button within a moment of the first
  // is stopped here, before the card sees it, so the bot is not asked twice (a second "Add a service" would start the
  // flow again, a second step would arrive after the card it answers was replaced).
  const SAME_PRESS_MS = 1000;
  const pressedAt = new WeakMap();
  element.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('.ac-pushButton') : null;
    if (!button) return;
    const last = pressedAt.get(button);
    if (last !== undefined && event.timeStamp - last < SAME_PRESS_MS) {
      event.stopPropagation();
      event.preventDefault();
      return;
    }
    pressedAt.set(button, event.timeStamp);
  }, true);

  let props;
  // A chat that ended (the activation page's, once the activation moved on): what was said stays, and nothing in it
  // acts any more, its cards' buttons included, which would otherwise send into a conversation that takes nothing.
  let ended = false;
  const render = () => window.WebChat.renderWebChat({ ...props, disabled: ended }, element);
  document.addEventListener('webchat:ended', () => {
    ended = true;
    if (props) render();
  });

  conversationToken()
    .then((token) => {
      props = {
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
      };
      render();
      status.hidden = true;
    })
    .catch(() => {
      // The page's own language: the server wrote the sentence into the status line.
      status.textContent = status.dataset.failed;
    });
})();
