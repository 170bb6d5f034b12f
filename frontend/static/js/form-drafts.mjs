// Autosaved form drafts (SPEC §17: a timed-out form loses nothing). Loaded for signed-in
// users only (app.mjs).
//
// Every POST form inside <main> is watched, unless it has data-no-autosave or already
// saves itself to the server (data-autosave-url, the log-a-complaint sections). What the
// user typed is posted to the server as a draft, keyed by the page's path and the form's
// key (its id, or its position among the page's POST forms):
//   - a minute after a change,
//   - when the time-out warning opens, and just before the session ends (session-timeout.mjs).
// Saving a draft is not activity: it never keeps the session alive.
//
// Never saved: passwords, files, the CSRF token and hidden fields, except a hidden
// "version" (the version of the record the form was opened at): restoring it makes a save
// of an outdated draft meet the usual "someone else changed this" conflict instead of
// silently overwriting the other person's change.
//
// After signing in again, a page whose draft the server kept (<body data-draft-waiting>)
// fetches it, fills the fields by name, says so in a notification banner and has the
// draft deleted: it is offered back once.

const SKIPPED_TYPES = new Set(["password", "file", "hidden", "submit", "button", "reset", "image"]);
const KEPT_HIDDEN = new Set(["version"]);
const SAVE_AFTER_CHANGE_MS = 60 * 1000;
const BANNER_TEXT = "We kept what you typed before you were signed out. Check it and save.";

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function sendJson(url, body, { keepalive = false } = {}) {
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    keepalive,
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": csrfToken(),
    },
    body: JSON.stringify(body),
  });
}

function isDraftField(element) {
  if (!element.name || element.disabled || element.name === "csrfmiddlewaretoken") return false;
  const type = (element.type || "").toLowerCase();
  if (type === "hidden") return KEPT_HIDDEN.has(element.name);
  return !SKIPPED_TYPES.has(type) && element.tagName !== "BUTTON" && element.tagName !== "FIELDSET";
}

// { name: [values] } for every field a draft keeps. A group of checkboxes or radios with
// nothing chosen is kept as [] so that restoring it clears them.
export function serialise(form) {
  const data = {};
  for (const element of form.elements) {
    if (!isDraftField(element)) continue;
    const values = (data[element.name] ??= []);
    const type = element.type.toLowerCase();
    if (type === "checkbox" || type === "radio") {
      if (element.checked) values.push(element.value);
    } else if (type === "select-multiple") {
      for (const option of element.selectedOptions) values.push(option.value);
    } else {
      values.push(element.value);
    }
  }
  return data;
}

export function fill(form, data) {
  const seen = {};
  for (const element of form.elements) {
    if (!isDraftField(element) || !(element.name in data)) continue;
    const values = data[element.name];
    const type = element.type.toLowerCase();
    if (type === "checkbox" || type === "radio") {
      element.checked = values.includes(element.value);
    } else if (element.tagName === "SELECT") {
      for (const option of element.options) option.selected = values.includes(option.value);
    } else {
      // Several text fields may share a name: the n-th gets the n-th value.
      const index = (seen[element.name] = (seen[element.name] ?? -1) + 1);
      if (index < values.length) element.value = values[index];
    }
    element.dispatchEvent(new Event("input", { bubbles: true }));
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }
}

function showBanner(main) {
  const banner = document.createElement("div");
  banner.className = "govuk-notification-banner";
  banner.setAttribute("role", "region");
  banner.setAttribute("aria-labelledby", "draft-restored-title");
  banner.dataset.module = "govuk-notification-banner";
  banner.innerHTML =
    '<div class="govuk-notification-banner__header">' +
    '<h2 class="govuk-notification-banner__title" id="draft-restored-title">Important</h2>' +
    "</div>" +
    '<div class="govuk-notification-banner__content">' +
    '<p class="govuk-notification-banner__heading"></p>' +
    "</div>";
  banner.querySelector(".govuk-notification-banner__heading").textContent = BANNER_TEXT;
  main.prepend(banner);
}

export function initFormDrafts(body) {
  const { draftsUrl, draftsDeleteUrl } = body.dataset;
  const main = document.querySelector("main");
  const path = window.location.pathname;
  const allPostForms = main ? [...main.querySelectorAll("form")].filter(
    (form) => (form.getAttribute("method") || "").toLowerCase() === "post",
  ) : [];
  const watched = [];

  allPostForms.forEach((form, index) => {
    if ("noAutosave" in form.dataset || "autosaveUrl" in form.dataset) return;
    const state = {
      form,
      key: form.id || `form-${index}`,
      touched: false, // changed since the page was loaded
      dirty: false, // changed since the last save
      saved: false,
      timer: null,
    };
    if (!Object.keys(serialise(form)).length) return;
    watched.push(state);

    const changed = () => {
      state.touched = true;
      state.dirty = true;
      if (!state.timer) {
        state.timer = setTimeout(() => {
          state.timer = null;
          save(state);
        }, SAVE_AFTER_CHANGE_MS);
      }
    };
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", () => {
      clearTimeout(state.timer);
      state.timer = null;
      state.touched = false;
      state.dirty = false;
      // Submitted: the draft has done its job. keepalive lets the request outlive the page.
      if (state.saved) {
        sendJson(draftsDeleteUrl, { path, form_key: state.key }, { keepalive: true }).catch(() => {});
        state.saved = false;
      }
    });
  });

  async function save(state, { touched = false } = {}) {
    if (!(state.dirty || (touched && state.touched))) return;
    state.dirty = false;
    try {
      const response = await sendJson(draftsUrl, {
        path,
        form_key: state.key,
        data: serialise(state.form),
      });
      if (response.ok) state.saved = true;
      else state.dirty = true;
    } catch {
      state.dirty = true;
    }
  }

  async function restore() {
    let drafts = [];
    try {
      const response = await fetch(`${draftsUrl}?${new URLSearchParams({ path })}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      ({ drafts } = await response.json());
    } catch {
      return;
    }
    let restored = false;
    for (const draft of drafts) {
      const state = watched.find((candidate) => candidate.key === draft.form_key);
      if (!state) continue;
      fill(state.form, draft.data);
      // Still only in the browser: saved again if the session runs out once more.
      state.touched = true;
      state.dirty = true;
      restored = true;
    }
    if (restored && main) showBanner(main);
    try {
      await sendJson(draftsDeleteUrl, { path });
    } catch {
      // Deleted by the daily sweep instead.
    }
  }

  if ("draftWaiting" in body.dataset) restore();

  return {
    hasForms: watched.length > 0,
    // Save every form changed since its last save; with { touched: true }, every form
    // changed since the page was loaded. The server offers back only drafts saved after
    // the user's last activity, so the warning dialog saves all that were touched.
    saveAll: (options) => Promise.all(watched.map((state) => save(state, options))),
  };
}
