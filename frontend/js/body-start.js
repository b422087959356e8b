// Runs first in <body>: marks the page as JavaScript-enabled for GOV.UK Frontend. Kept in a file
// rather than inline so that the Content Security Policy can forbid every inline script.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
