// SPDX-License-Identifier: MIT
// A minimal ReadableStream (Streams Standard, default streams only): an underlying source with
// start/pull/cancel, a queue with a high-water mark and size(), the default reader (read,
// releaseLock, cancel, closed), async iteration, tee, ReadableStream.from. Enough for streamed
// response bodies (K.pumpBody hands the chunks to C) and for reading bodies. No byte streams
// (type "bytes" is refused), no pipeTo/pipeThrough, no writable or transform streams.
"use strict";
(function (g) {
  const K = g.__kiln;
  const { DOMException } = K;
  const then = Promise.prototype.then;
  const key = Symbol("kiln.stream");

  function defer() {
    let resolve, reject;
    const promise = new Promise((a, b) => { resolve = a; reject = b; });
    return { promise, resolve, reject };
  }
  const swallow = (p) => { then.call(p, undefined, () => {}); return p; };

  class ReadableStreamDefaultController {
    constructor(k, stream) {
      if (k !== key) throw new TypeError("Illegal constructor");
      this._s = stream;
    }
    get desiredSize() { return desiredSize(this._s); }
    enqueue(chunk) {
      const s = this._s;
      if (s._closeRequested || s._state !== "readable") {
        throw new TypeError("ReadableStreamDefaultController.enqueue: the stream is closed or errored");
      }
      const r = s._reader;
      if (r && r._reads.length) {
        r._reads.shift().resolve({ value: chunk, done: false });
      } else {
        let size = 1;
        if (s._size) {
          try { size = Number(s._size(chunk)); } catch (e) { error(s, e); throw e; }
          if (!(size >= 0) || size === Infinity) {
            const e = new RangeError("The return value of size() must be a finite, non-negative number");
            error(s, e);
            throw e;
          }
        }
        s._queue.push(chunk, size);
        s._queueSize += size;
      }
      pullIfNeeded(s);
    }
    close() {
      const s = this._s;
      if (s._closeRequested || s._state !== "readable") {
        throw new TypeError("ReadableStreamDefaultController.close: the stream is closed or errored");
      }
      s._closeRequested = true;
      if (s._queue.length === 0) finish(s);
    }
    error(e) { error(this._s, e); }
    get [Symbol.toStringTag]() { return "ReadableStreamDefaultController"; }
  }

  function desiredSize(s) {
    if (s._state === "errored") return null;
    if (s._state === "closed") return 0;
    return s._hwm - s._queueSize;
  }
  function finish(s) {
    if (s._state !== "readable") return;
    s._state = "closed";
    const r = s._reader;
    if (r) {
      for (const q of r._reads.splice(0)) q.resolve({ value: undefined, done: true });
      r._closed.resolve(undefined);
    }
  }
  function error(s, e) {
    if (s._state !== "readable") return;
    s._state = "errored";
    s._error = e;
    s._queue = [];
    s._queueSize = 0;
    const r = s._reader;
    if (r) {
      for (const q of r._reads.splice(0)) q.reject(e);
      swallow(r._closed.promise);
      r._closed.reject(e);
    }
  }
  function pullIfNeeded(s) {
    if (s._state !== "readable" || s._closeRequested || !s._started || !s._pull) return;
    const want = (s._reader && s._reader._reads.length > 0) || desiredSize(s) > 0;
    if (!want) return;
    if (s._pulling) { s._pullAgain = true; return; }
    s._pulling = true;
    let p;
    try { p = Promise.resolve(s._pull.call(s._source, s._controller)); } catch (e) { p = Promise.reject(e); }
    then.call(p, () => {
      s._pulling = false;
      if (s._pullAgain) { s._pullAgain = false; pullIfNeeded(s); }
    }, (e) => error(s, e));
  }
  // Take the next chunk out of the queue (caller checked it is not empty).
  function dequeue(s) {
    const chunk = s._queue.shift();
    s._queueSize -= s._queue.shift();
    if (s._queueSize < 0) s._queueSize = 0;
    if (s._closeRequested && s._queue.length === 0) finish(s);
    else pullIfNeeded(s);
    return chunk;
  }
  function cancel(s, reason) {
    s._disturbed = true;
    if (s._state === "closed") return Promise.resolve(undefined);
    if (s._state === "errored") return Promise.reject(s._error);
    s._queue = [];
    s._queueSize = 0;
    finish(s);
    let p;
    try {
      p = Promise.resolve(s._source && typeof s._source.cancel === "function" ? s._source.cancel(reason) : undefined);
    } catch (e) {
      p = Promise.reject(e);
    }
    return then.call(p, () => undefined);
  }

  class ReadableStreamDefaultReader {
    constructor(stream) {
      if (!(stream instanceof ReadableStream)) throw new TypeError("ReadableStreamDefaultReader constructor: Argument 1 is not a ReadableStream.");
      if (stream._reader) throw new TypeError("ReadableStreamDefaultReader constructor: the stream is locked");
      this._s = stream;
      this._reads = [];
      this._closed = defer();
      stream._reader = this;
      if (stream._state === "closed") this._closed.resolve(undefined);
      else if (stream._state === "errored") { swallow(this._closed.promise); this._closed.reject(stream._error); }
    }
    get closed() { return this._closed.promise; }
    read() {
      const s = this._s;
      if (!s) return Promise.reject(new TypeError("ReadableStreamDefaultReader.read: the reader has been released"));
      s._disturbed = true;
      if (s._state === "closed") return Promise.resolve({ value: undefined, done: true });
      if (s._state === "errored") return Promise.reject(s._error);
      if (s._queue.length) return Promise.resolve({ value: dequeue(s), done: false });
      const d = defer();
      this._reads.push(d);
      pullIfNeeded(s);
      return d.promise;
    }
    releaseLock() {
      const s = this._s;
      if (!s) return;
      const e = new TypeError("ReadableStreamDefaultReader.releaseLock: the reader was released");
      for (const q of this._reads.splice(0)) q.reject(e);
      if (s._state === "readable") {
        this._closed.reject(e);
      } else {
        this._closed = defer();
        this._closed.reject(e);
      }
      swallow(this._closed.promise);
      s._reader = null;
      this._s = null;
    }
    cancel(reason) {
      if (!this._s) return Promise.reject(new TypeError("ReadableStreamDefaultReader.cancel: the reader has been released"));
      return cancel(this._s, reason);
    }
    get [Symbol.toStringTag]() { return "ReadableStreamDefaultReader"; }
  }

  class ReadableStream {
    constructor(source, strategy) {
      const src = source === undefined || source === null ? {} : source;
      if (typeof src !== "object" && typeof src !== "function") throw new TypeError("ReadableStream constructor: Argument 1 can't be converted to a dictionary.");
      if (src.type !== undefined) {
        throw String(src.type) === "bytes"
          ? new TypeError("ReadableStream: byte streams (type: 'bytes') are not supported by Kiln")
          : new RangeError(`ReadableStream: '${src.type}' is not a valid stream type`);
      }
      const st = strategy === undefined || strategy === null ? {} : strategy;
      const hwm = st.highWaterMark === undefined ? 1 : Number(st.highWaterMark);
      if (Number.isNaN(hwm) || hwm < 0) throw new RangeError("ReadableStream: highWaterMark must be a non-negative number");
      if (st.size !== undefined && typeof st.size !== "function") throw new TypeError("ReadableStream: size must be a function");
      for (const m of ["start", "pull", "cancel"]) {
        if (src[m] !== undefined && typeof src[m] !== "function") throw new TypeError(`ReadableStream: ${m} must be a function`);
      }
      this._state = "readable";
      this._queue = [];
      this._queueSize = 0;
      this._hwm = hwm;
      this._size = st.size;
      this._source = src;
      this._pull = src.pull;
      this._reader = null;
      this._closeRequested = false;
      this._started = false;
      this._pulling = false;
      this._pullAgain = false;
      this._disturbed = false;
      this._error = undefined;
      this._controller = new ReadableStreamDefaultController(key, this);
      const r = typeof src.start === "function" ? src.start.call(src, this._controller) : undefined;
      then.call(Promise.resolve(r), () => { this._started = true; pullIfNeeded(this); }, (e) => error(this, e));
    }
    get locked() { return this._reader !== null; }
    cancel(reason) {
      if (this._reader) return Promise.reject(new TypeError("ReadableStream.cancel: the stream is locked"));
      return cancel(this, reason);
    }
    getReader(options) {
      if (options !== undefined && options !== null && options.mode !== undefined) {
        throw String(options.mode) === "byob"
          ? new TypeError("ReadableStream.getReader: BYOB readers are not supported by Kiln")
          : new RangeError(`ReadableStream.getReader: '${options.mode}' is not a valid reader mode`);
      }
      return new ReadableStreamDefaultReader(this);
    }
    values(options) {
      const reader = this.getReader();
      const preventCancel = !!(options && options.preventCancel);
      const it = Object.create(AsyncIteratorProto);
      it.next = () => then.call(reader.read(), (r) => {
        if (r.done) reader.releaseLock();
        return r;
      });
      it.return = (value) => {
        if (!reader._s) return Promise.resolve({ value, done: true });
        const p = preventCancel ? Promise.resolve() : reader.cancel(value);
        return then.call(p, () => { reader.releaseLock(); return { value, done: true }; });
      };
      return it;
    }
    [Symbol.asyncIterator](options) { return this.values(options); }
    tee() {
      const reader = this.getReader();
      let branches;
      let reading = false;
      let canceled = 0;
      const pull = () => {
        if (reading) return undefined;
        reading = true;
        return then.call(reader.read(), (r) => {
          reading = false;
          for (const b of branches) {
            if (b._state !== "readable" || b._closeRequested) continue;
            if (r.done) b._controller.close(); else b._controller.enqueue(r.value);
          }
        }, (e) => { for (const b of branches) error(b, e); });
      };
      const cancelOne = () => { if (++canceled === 2) return reader.cancel(); return undefined; };
      branches = [new ReadableStream({ pull, cancel: cancelOne }, { highWaterMark: 0 }),
        new ReadableStream({ pull, cancel: cancelOne }, { highWaterMark: 0 })];
      return branches;
    }
    static from(iterable) {
      if (iterable instanceof ReadableStream) return iterable;
      const it = typeof iterable[Symbol.asyncIterator] === "function" ? iterable[Symbol.asyncIterator]() : iterable[Symbol.iterator]();
      return new ReadableStream({
        async pull(c) {
          const r = await it.next();
          if (r.done) c.close(); else c.enqueue(await r.value);
        },
        async cancel(reason) { if (typeof it.return === "function") await it.return(reason); },
      }, { highWaterMark: 0 });
    }
    get [Symbol.toStringTag]() { return "ReadableStream"; }
  }
  const AsyncIteratorProto = Object.getPrototypeOf(Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})())));

  // The chunks queued now (a streamed body sends what is ready in one write).
  K.drainQueued = function (s) {
    const out = [];
    while (s._state === "readable" && s._queue.length) out.push(dequeue(s));
    return out;
  };
  // Read a whole stream into one Uint8Array (Request/Response body methods).
  K.readAll = async function (s, toBytes) {
    const reader = s.getReader();
    const parts = [];
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      parts.push(toBytes(r.value));
      for (const c of K.drainQueued(s)) parts.push(toBytes(c));
    }
    reader.releaseLock();
    return parts.length === 1 ? parts[0].slice() : K.native.concatBytes(parts);
  };
  K.abortError = () => new DOMException("This operation was aborted", "AbortError");

  K.ReadableStream = ReadableStream;
  for (const [n, c] of Object.entries({ ReadableStream, ReadableStreamDefaultReader, ReadableStreamDefaultController })) {
    K.webIDL(c);
    Object.defineProperty(g, n, { value: c, writable: true, configurable: true });
  }
})(globalThis);
