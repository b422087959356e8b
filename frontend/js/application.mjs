// Loaded as a module from base.html: browsers without module support get the plain HTML pages.
import { initAll as initGovUk } from "./govuk-frontend.min.js";
import { initAll as initMoj } from "./moj-frontend.min.js";

initGovUk();
initMoj();

// "Print this page" buttons; without JavaScript the browser's own print command does the same.
for (const button of document.querySelectorAll("[data-app-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
