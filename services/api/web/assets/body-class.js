// GOV.UK Frontend's components style themselves for script only once the body says script runs.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
