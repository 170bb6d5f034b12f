// The session time-out warning (SPEC §17; WCAG 2.2.1 Timing Adjustable). Loaded for
// signed-in users only (app.mjs); the timings come from <body data-session-*>, written by
// the server (access/context_processors.py), which alone decides when a session ends.
//
// SESSION_WARNING_SECONDS before the session ends the page asks the server how long is
// left (another tab may have kept the session alive) and, if it is really ending, opens a
// modal dialog with a countdown: "Stay signed in" (or Escape) extends the session, "Sign
// out" signs out. Drafts of the page's forms are saved when the dialog opens and just
// before the end (form-drafts.mjs); at the end the browser goes to the sign-in page, which
// brings the user back here afterwards.

const END_MARGIN_MS = 1000; // ask the server just after the end, so that it agrees
const SAVE_BEFORE_END_S = 5;

function countdownWords(seconds) {
  if (seconds > 60) return `${Math.ceil(seconds / 60)} minutes`;
  const tens = Math.max(0, Math.ceil(seconds / 10) * 10);
  return tens === 60 ? "1 minute" : `${tens} seconds`;
}

async function askJson(url, options = {}) {
  try {
    const response = await fetch(url, {
      credentials: "same-origin",
      ...options,
      headers: { Accept: "application/json", ...(options.headers || {}) },
    });
    const type = response.headers.get("Content-Type") || "";
    if (!type.includes("application/json")) return null;
    const answer = await response.json();
    if (response.status === 401) return { signed_in: false, seconds_left: 0 };
    return response.ok ? answer : null;
  } catch {
    return null;
  }
}

export function initSessionTimeout(body, drafts) {
  const settings = body.dataset;
  const warningSeconds = Number(settings.sessionWarningSeconds);
  const dialog = document.getElementById("session-dialog");
  if (!dialog || !Number.isFinite(warningSeconds)) return;

  const stayButton = dialog.querySelector("[data-session-stay]");
  const signOutButton = dialog.querySelector("[data-session-sign-out]");
  const countdown = dialog.querySelector("[data-session-countdown]");
  const idleText = dialog.querySelector("[data-session-idle-text]");
  const absoluteText = dialog.querySelector("[data-session-absolute-text]");
  const draftsText = dialog.querySelector("[data-session-drafts-text]");
  draftsText.hidden = !drafts.hasForms;

  let deadline = 0;
  let limit = settings.sessionLimit;
  let warnTimer = null;
  let ticker = null;
  let savedBeforeEnd = false;
  let busy = false;
  let closingOnPurpose = false;
  let returnFocusTo = null;

  const secondsLeft = () => (deadline - Date.now()) / 1000;
  // At the absolute limit the session cannot be extended: only signing out is offered.
  const canStay = () => !(limit === "absolute" && secondsLeft() <= warningSeconds);

  function setDeadline(seconds, newLimit) {
    deadline = Date.now() + seconds * 1000;
    if (newLimit) limit = newLimit;
  }

  function schedule(seconds, newLimit) {
    setDeadline(seconds, newLimit);
    clearTimeout(warnTimer);
    warnTimer = setTimeout(check, Math.max(0, seconds - warningSeconds) * 1000);
  }

  function showTexts() {
    const stay = canStay();
    stayButton.hidden = !stay;
    idleText.hidden = !stay;
    absoluteText.hidden = stay;
  }

  function updateCountdown() {
    const words = countdownWords(secondsLeft());
    // Only a change is written, so the live region speaks at most every 10 seconds.
    if (countdown.textContent !== words) countdown.textContent = words;
  }

  function goToSignIn() {
    clearTimeout(warnTimer);
    clearInterval(ticker);
    const next = window.location.pathname + window.location.search;
    window.location.assign(`${settings.signInUrl}?${new URLSearchParams({ next })}`);
  }

  // What the server says: ended, ending soon (open or keep the dialog), or time enough.
  function follow(status) {
    if (!status.signed_in) return goToSignIn();
    if (status.seconds_left > warningSeconds) {
      close();
      schedule(status.seconds_left, status.limit);
      return;
    }
    setDeadline(status.seconds_left, status.limit);
    open();
  }

  async function check() {
    const status = await askJson(settings.sessionStatusUrl);
    if (status) follow(status);
    else open(); // The server cannot be asked: trust the time we were given.
  }

  function open() {
    showTexts();
    updateCountdown();
    if (dialog.open) return;
    returnFocusTo = document.activeElement;
    savedBeforeEnd = false;
    dialog.showModal();
    (canStay() ? stayButton : signOutButton).focus();
    drafts.saveAll({ touched: true });
    clearInterval(ticker);
    ticker = setInterval(tick, 1000);
  }

  function close() {
    clearInterval(ticker);
    ticker = null;
    if (!dialog.open) return;
    closingOnPurpose = true;
    dialog.close();
    closingOnPurpose = false;
    if (returnFocusTo && document.contains(returnFocusTo)) returnFocusTo.focus();
  }

  async function tick() {
    const left = secondsLeft();
    updateCountdown();
    if (left <= SAVE_BEFORE_END_S && !savedBeforeEnd) {
      savedBeforeEnd = true;
      drafts.saveAll();
    }
    if (left * 1000 <= -END_MARGIN_MS && !busy) {
      busy = true;
      clearInterval(ticker);
      const status = await askJson(settings.sessionStatusUrl);
      busy = false;
      if (!status || !status.signed_in) goToSignIn();
      else if (status.seconds_left > 0) follow(status); // another tab kept it alive
      else ticker = setInterval(tick, 1000); // not quite over on the server: ask again
    }
  }

  async function stay() {
    if (busy || !canStay()) return;
    busy = true;
    const status = await askJson(settings.sessionExtendUrl, {
      method: "POST",
      headers: { "X-CSRFToken": document.querySelector("input[name=csrfmiddlewaretoken]").value },
    });
    busy = false;
    if (status) follow(status);
    showTexts();
  }

  stayButton.addEventListener("click", stay);
  signOutButton.addEventListener("click", () => {
    close();
    document.getElementById("sign-out-form").submit();
  });
  // Escape means "Stay signed in".
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    stay();
  });
  // A browser may close the dialog on Escape whatever the page says: stay then too.
  dialog.addEventListener("close", () => {
    if (closingOnPurpose) return;
    if (canStay()) stay();
    else open();
  });
  // Timers sleep with a laptop or a background tab: check again on coming back.
  document.addEventListener("visibilitychange", async () => {
    if (document.visibilityState !== "visible") return;
    const status = await askJson(settings.sessionStatusUrl);
    if (status) follow(status);
  });

  schedule(Number(settings.sessionSecondsLeft), limit);
}
