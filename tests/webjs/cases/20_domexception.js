// SPDX-License-Identifier: MIT
// DOMException: names, legacy codes, constants, defaults.
"use strict";
T("domexception/defaults", () => { const e = new DOMException(); return [e.name, e.message, e.code, e instanceof Error]; });
T("domexception/named", () => ["InvalidCharacterError", "DataCloneError", "AbortError", "QuotaExceededError",
  "TimeoutError", "NotSupportedError", "SyntaxError", "NoSuchError", "ValidationError"].map((n) => {
  const e = new DOMException("m", n);
  return [e.name, e.message, e.code, String(e), Object.prototype.toString.call(e)];
}));
T("domexception/constants", () => [DOMException.ABORT_ERR, DOMException.DATA_CLONE_ERR,
  new DOMException().INVALID_CHARACTER_ERR, DOMException.VALIDATION_ERR]);
T("domexception/options bag", () => { const e = new DOMException("m", { name: "AbortError", cause: 7 }); return [e.name, e.code, e.cause]; });
T("domexception/thrown", () => { throw new DOMException("nope", "InvalidStateError"); });
T("domexception/keys", () => Object.keys(new DOMException("a", "b")));
