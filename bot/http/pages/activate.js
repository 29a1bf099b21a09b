'use strict';

// The personal activation page, scripted: the forms are sent with fetch so that the page, and its chat, stay as they
// are, and the step panel follows the service through the link's status address. Without this script the forms post
// and the page reloads, as before.
(function followActivation() {
  const panel = document.querySelector('.step');
  if (!panel) return;
  const heading = document.getElementById('step-heading');
  const status = document.getElementById('step-status');
  const pageUrl = window.location.pathname;
  const statusUrl = `${pageUrl}/status`;
  // Asked again after a failed request: the network may be back by then.
  const RETRY_AFTER_S = 30;
  let timer;
  let stopped = false;

  // The person's part: the SIM card number, Start, or installing the eSIM the page shows.
  const waits = (state) => state === 'WAITING_FOR_SIM' || state === 'READY' || state === 'ESIM_TO_INSTALL';
  // What the panel shows, so that the live region announces only a change.
  let shown = '';

  /** The form of another wait in place of the one shown (Start once the administrator registered the SIM card). */
  function showWait(linkStatus) {
    // A wait the status answer brings no form for (an eSIM, whose code it never repeats): the page shows it.
    if (typeof linkStatus.fields !== 'string') {
      window.location.reload();
      return;
    }
    panel.dataset.state = linkStatus.state;
    heading.textContent = linkStatus.heading;
    const form = document.getElementById('step-form');
    // The person may be typing in the form that goes: the focus moves to the new one rather than to the page's top.
    const hadFocus = form.contains(document.activeElement);
    form.innerHTML = linkStatus.fields;
    if (hadFocus) form.querySelector('input:not([type="hidden"]), button')?.focus();
  }

  /** Where the link stands now, in place of the form; the live region announces it, once per change. */
  function show(linkStatus) {
    const previous = panel.dataset.state;
    if (waits(linkStatus.state)) {
      if (linkStatus.state !== previous) showWait(linkStatus);
      return;
    }
    const words = [linkStatus.heading, ...linkStatus.paragraphs].join('\n');
    if (words === shown) return;
    shown = words;
    panel.dataset.state = linkStatus.state;
    heading.textContent = linkStatus.heading;
    document.getElementById('step-form')?.remove();
    // The link's chat ended with the wait; what it said stays readable, and its cards' buttons no longer act.
    document.querySelector('.chat-panel')?.classList.add('ended');
    const ended = document.getElementById('chat-ended');
    if (ended) ended.hidden = false;
    document.dispatchEvent(new Event('webchat:ended'));
    status.replaceChildren(...linkStatus.paragraphs.map((text) => {
      const paragraph = document.createElement('p');
      paragraph.textContent = text;
      return paragraph;
    }));
  }

  function schedule(seconds) {
    clearTimeout(timer);
    if (stopped || seconds === null) {
      stopped = true;
      return;
    }
    timer = setTimeout(poll, seconds * 1000);
  }

  async function poll() {
    if (document.hidden) return; // picked up again when the page is shown
    try {
      const response = await fetch(statusUrl, { headers: { Accept: 'application/json' }, cache: 'no-store' });
      const linkStatus = await response.json();
      show(linkStatus);
      schedule(linkStatus.pollAfter);
    } catch {
      schedule(RETRY_AFTER_S);
    }
  }

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && !stopped) poll();
  });

  /** A form of the panel, sent with fetch; if that cannot be done, the browser sends it the ordinary way. */
  async function send(form, submitter) {
    let answer;
    try {
      const response = await fetch(form.action || pageUrl, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(new FormData(form, submitter)),
      });
      // Anything but the JSON answer (a failure page) is shown as the browser would show it.
      answer = await response.json();
    } catch {
      HTMLFormElement.prototype.submit.call(form);
      return;
    }
    if (typeof answer.form === 'string') {
      // The number was not taken: the form again, with what is wrong under the field, in place of the one sent.
      document.getElementById('step-form').innerHTML = answer.form;
      document.getElementById('iccid')?.focus();
      return;
    }
    show(answer);
    schedule(answer.pollAfter);
  }

  panel.addEventListener('submit', (event) => {
    const form = event.target;
    event.preventDefault();
    // One send at a time: a double press sends once.
    if (form.dataset.sending) return;
    form.dataset.sending = 'true';
    send(form, event.submitter).finally(() => {
      delete form.dataset.sending;
    });
  });

  schedule(Number(panel.dataset.pollAfter));
})();
