// Loaded as a module from base.html: browsers without module support get the plain HTML pages.
import { initAll as initGovUk } from "./govuk-frontend.min.js";
import { initAll as initMoj } from "./moj-frontend.min.js";

initGovUk();
initMoj();
