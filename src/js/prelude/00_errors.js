// SPDX-License-Identifier: MIT
// Kiln's error classes (spec/00-overview.md §6.1). Every instance has code, message, details
// and status. The C side recognises them through __kiln.KilnError (captured before any script
// runs, so a script shadowing the global cannot confuse it).
"use strict";
(function (g) {
  const N = g.__kiln_native || {};
  const K = (g.__kiln = g.__kiln || {});
  K.native = N;

  class KilnError extends Error {
    constructor(code, message, options) {
      const o = options || {};
      super(message === undefined ? String(code) : String(message), o.cause !== undefined ? { cause: o.cause } : undefined);
      this.code = typeof code === "string" && code ? code : "ERROR";
      this.details = o.details === undefined ? null : o.details;
      this.status = o.status === undefined ? 500 : o.status;
      if (o.headers) this.headers = o.headers;
    }
    get name() { return this.constructor.name; }
  }

  class HttpError extends KilnError {
    constructor(status, message, options) {
      const o = options || {};
      const s = Number(status);
      if (!Number.isInteger(s) || s < 400 || s > 599) {
        throw new KilnError("INVALID_ARGUMENT", `HttpError status must be 400-599, got ${status}`);
      }
      super(o.code || HttpError.codeFor(s), message === undefined ? "HTTP " + s : message,
        { details: o.details, status: s, headers: o.headers, cause: o.cause });
    }
    static codeFor(s) {
      return ({ 400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
        409: "CONFLICT", 429: "TOO_MANY_REQUESTS" })[s] || "HTTP_ERROR";
    }
  }

  function fixed(status, code, defaultMessage) {
    return class extends HttpError {
      constructor(message, options) {
        const o = Object.assign({}, options || {});
        if (!o.code) o.code = code;
        super(status, message === undefined ? defaultMessage : message, o);
      }
    };
  }
  const BadRequestError = fixed(400, "BAD_REQUEST", "Bad request");
  const UnauthorizedError = fixed(401, "UNAUTHORIZED", "Unauthorized");
  const ForbiddenError = fixed(403, "FORBIDDEN", "Forbidden");
  const NotFoundError = fixed(404, "NOT_FOUND", "Not found");
  const ConflictError = fixed(409, "CONFLICT", "Conflict");
  class TooManyRequestsError extends fixed(429, "TOO_MANY_REQUESTS", "Too many requests") {
    constructor(message, options) {
      const o = Object.assign({}, options || {});
      if (o.retryAfterSec !== undefined) {
        o.headers = Object.assign({}, o.headers || {}, { "Retry-After": String(Math.ceil(o.retryAfterSec)) });
      }
      super(message, o);
    }
  }
  class ValidationError extends BadRequestError {
    constructor(message, options) {
      const o = Object.assign({}, options || {});
      if (!o.code) o.code = "VALIDATION_FAILED";
      super(message === undefined ? "Validation failed" : message, o);
    }
  }
  // Give the anonymous classes their names (for error.name and stacks).
  const named = { BadRequestError, UnauthorizedError, ForbiddenError, NotFoundError, ConflictError };
  for (const n of Object.keys(named)) Object.defineProperty(named[n], "name", { value: n });

  const all = { KilnError, HttpError, BadRequestError, UnauthorizedError, ForbiddenError,
    NotFoundError, ConflictError, TooManyRequestsError, ValidationError };
  for (const n of Object.keys(all)) {
    Object.defineProperty(g, n, { value: all[n], writable: true, configurable: true, enumerable: false });
  }
  K.KilnError = KilnError;
  K.HttpError = HttpError;
  K.BadRequestError = BadRequestError;
})(globalThis);
