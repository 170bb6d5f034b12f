// Sentinel's only script, loaded as an ES module at the end of <body>. There are no inline
// scripts anywhere: the site runs under a Content Security Policy without 'unsafe-inline'.
//
// The GOV.UK page template normally marks the body with an inline script; we do it here
// instead. A browser that runs this module supports ES modules, which is exactly what
// `govuk-frontend-supported` means.
import { initAll } from "/static/govuk/govuk-frontend.min.js";
import { initAll as mojInitAll } from "/static/moj/moj-frontend.min.js";
import { initFormDrafts } from "./form-drafts.mjs";
import { initSessionTimeout } from "./session-timeout.mjs";

document.body.classList.add("js-enabled", "govuk-frontend-supported");

initAll();
mojInitAll();

// Signed in: the session time-out warning and autosaved drafts (SPEC §17). The server
// writes the session's timings on <body> for signed-in users only.
if (document.body.dataset.sessionStatusUrl) {
  initSessionTimeout(document.body, initFormDrafts(document.body));
}

// Autosave (SPEC §17): a form with data-autosave-url sends what has been typed to the
// server a moment after the user stops typing, so a session time-out loses nothing. The
// form's own fields (with its CSRF token) are sent; the server keeps them as a draft.
for (const form of document.querySelectorAll("form[data-autosave-url]")) {
  const status = form.querySelector(".app-autosave-status");
  let timer;
  const save = async () => {
    try {
      const response = await fetch(form.dataset.autosaveUrl, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
      });
      if (status && response.ok) {
        const time = new Date().toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
        status.textContent = `Draft saved at ${time}`;
      }
    } catch {
      if (status) status.textContent = "Draft not saved: check your connection";
    }
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(save, 1500);
  });
}
