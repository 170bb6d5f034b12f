// Sentinel's only script, loaded as an ES module at the end of <body>. There are no inline
// scripts anywhere: the site runs under a Content Security Policy without 'unsafe-inline'.
//
// The GOV.UK page template normally marks the body with an inline script; we do it here
// instead. A browser that runs this module supports ES modules, which is exactly what
// `govuk-frontend-supported` means.
import { initAll } from "/static/govuk/govuk-frontend.min.js";
import { initAll as mojInitAll } from "/static/moj/moj-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");

initAll();
mojInitAll();
