// Progressive enhancement only: every page works without this.
import { initAll } from "/static/govuk/govuk-frontend.min.js";
initAll();
