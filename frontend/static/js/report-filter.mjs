// The report page's filter panel (MoJ Frontend's filter toggle button): beside the results
// on a wide screen; on a narrow one hidden behind a "Show filter" button, so that the
// results come first. MoJ Frontend's initAll leaves this component out, so it is started
// here, on the pages that load this module.
import { createAll } from "/static/govuk/govuk-frontend.min.js";
import { FilterToggleButton } from "/static/moj/moj-frontend.min.js";

createAll(FilterToggleButton);
