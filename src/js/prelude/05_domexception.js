// SPDX-License-Identifier: MIT
// DOMException (WebIDL): the error the Web platform APIs throw for their named failures
// (InvalidCharacterError from atob/btoa, DataCloneError from structuredClone, AbortError,
// QuotaExceededError, ...). name, message and the legacy numeric code, as Node has it.
// Kiln's prelude code throws one with K.domException(message, name).
"use strict";
(function (g) {
  const K = g.__kiln;
  const NAMES = ["IndexSizeError", "DOMStringSizeError", "HierarchyRequestError", "WrongDocumentError",
    "InvalidCharacterError", "NoDataAllowedError", "NoModificationAllowedError", "NotFoundError",
    "NotSupportedError", "InUseAttributeError", "InvalidStateError", "SyntaxError",
    "InvalidModificationError", "NamespaceError", "InvalidAccessError", "ValidationError",
    "TypeMismatchError", "SecurityError", "NetworkError", "AbortError", "URLMismatchError",
    "QuotaExceededError", "TimeoutError", "InvalidNodeTypeError", "DataCloneError"];
  const CONSTS = ["INDEX_SIZE_ERR", "DOMSTRING_SIZE_ERR", "HIERARCHY_REQUEST_ERR", "WRONG_DOCUMENT_ERR",
    "INVALID_CHARACTER_ERR", "NO_DATA_ALLOWED_ERR", "NO_MODIFICATION_ALLOWED_ERR", "NOT_FOUND_ERR",
    "NOT_SUPPORTED_ERR", "INUSE_ATTRIBUTE_ERR", "INVALID_STATE_ERR", "SYNTAX_ERR",
    "INVALID_MODIFICATION_ERR", "NAMESPACE_ERR", "INVALID_ACCESS_ERR", "VALIDATION_ERR",
    "TYPE_MISMATCH_ERR", "SECURITY_ERR", "NETWORK_ERR", "ABORT_ERR", "URL_MISMATCH_ERR",
    "QUOTA_EXCEEDED_ERR", "TIMEOUT_ERR", "INVALID_NODE_TYPE_ERR", "DATA_CLONE_ERR"];
  // The legacy codes of the names that have one (DOMStringSizeError and friends are constants only).
  const NO_CODE = new Set(["DOMStringSizeError", "NoDataAllowedError", "InUseAttributeError", "ValidationError"]);
  const codes = new Map();
  NAMES.forEach((n, i) => { if (!NO_CODE.has(n)) codes.set(n, i + 1); });

  class DOMException extends Error {
    #name;
    constructor(message = "", options = "Error") {
      super(String(message));
      // WebIDL: the second argument is the name, or (newer) an options bag { name, cause }.
      if (options !== null && typeof options === "object") {
        this.#name = "name" in options ? String(options.name) : "Error";
        if ("cause" in options) {
          Object.defineProperty(this, "cause", { value: options.cause, writable: true, configurable: true });
        }
      } else {
        this.#name = String(options);
      }
    }
    get name() { return this.#name; }
    get code() { return codes.get(this.#name) || 0; }
  }
  CONSTS.forEach((c, i) => {
    const d = { value: i + 1, enumerable: true };
    Object.defineProperty(DOMException, c, d);
    Object.defineProperty(DOMException.prototype, c, d);
  });
  Object.defineProperty(DOMException.prototype, Symbol.toStringTag, { value: "DOMException", configurable: true });
  Object.defineProperty(g, "DOMException", { value: DOMException, writable: true, configurable: true });
  K.DOMException = DOMException;
  K.domException = (message, name) => new DOMException(message, name);
})(globalThis);
