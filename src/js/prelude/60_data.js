// SPDX-License-Identifier: MIT
// database, cache and personalStorage (spec/50-data.md) over the natives of src/api/api_data.c
// and api_storage.c: SQL with positional parameters, transactions (sync or async fn), the
// query builder, versioned migrations, aiwebengine's table API, the TTL cache. Identifiers
// that end up in SQL text are checked against a pattern and quoted here; the C side's
// namespace guard refuses whatever reaches outside the script's namespace anyway.
"use strict";
(function (g) {
  const K = g.__kiln;
  const N = K.native;
  const { KilnError } = K;
  const Unauthorized = g.UnauthorizedError;
  const then = Promise.prototype.then;
  const isArray = Array.isArray;
  const stringify = JSON.stringify;
  const parse = JSON.parse;

  // ------------------------------------------------------------------ values and identifiers

  function bindValue(v) {
    if (v === undefined) throw new KilnError("DB_BIND", "undefined cannot be bound (use null)");
    if (v instanceof Date) {
      if (Number.isNaN(v.getTime())) throw new KilnError("DB_BIND", "an invalid Date cannot be bound");
      return v.toISOString();
    }
    if (v !== null && typeof v === "object" && !ArrayBuffer.isView(v)) return stringify(v);
    return v;
  }
  function bindAll(params) {
    if (params === undefined || params === null) return [];
    if (!isArray(params)) throw new KilnError("DB_BIND", "params must be an array (positional parameters)");
    return params.map(bindValue);
  }

  const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
  function ident(name, what) {
    if (typeof name !== "string" || name.length > 63 || !IDENT.test(name)) {
      throw new KilnError("INVALID_ARGUMENT", `${what || "identifier"} ${stringify(String(name))} is not an identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63)`);
    }
    return '"' + name + '"';
  }

  function parseSafe(v) {
    if (v !== null && typeof v === "object") {
      Object.defineProperty(v, "toString", { value() { return stringify(this); }, enumerable: false, configurable: true });
    }
    return v;
  }

  function isThenable(r) {
    return r !== null && (typeof r === "object" || typeof r === "function") && typeof r.then === "function";
  }

  // ------------------------------------------------------------------ transactions

  function txEndQuiet() {
    try { N.dbTxEnd(false); } catch (e) { /* the original error matters more */ }
  }

  function transaction(db, fn, options) {
    if (typeof fn !== "function") throw new KilnError("INVALID_ARGUMENT", "transaction(fn): fn must be a function");
    const o = options || {};
    N.dbTxBegin(o.timeoutMs);
    let r;
    try {
      r = fn(db);
    } catch (e) {
      txEndQuiet();
      throw e;
    }
    if (isThenable(r)) {
      N.dbTxAsync();
      return then.call(Promise.resolve(r), (v) => { N.dbTxEnd(true); return v; }, (e) => { txEndQuiet(); throw e; });
    }
    N.dbTxEnd(true);
    return r;
  }

  // ------------------------------------------------------------------ query builder

  const OPS = { "=": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=", like: "LIKE", in: "IN", "not in": "NOT IN" };
  const KEYS = { eq: "=", ne: "!=", lt: "<", lte: "<=", gt: ">", gte: ">=", like: "like", in: "in", nin: "not in" };

  function cond(col, op, value, params) {
    const c = ident(col, "column");
    const sqlOp = OPS[typeof op === "string" ? op.toLowerCase() : op];
    if (sqlOp === undefined) throw new KilnError("INVALID_ARGUMENT", `unknown operator ${stringify(String(op))}`);
    if (sqlOp === "IN" || sqlOp === "NOT IN") {
      if (!isArray(value)) throw new KilnError("INVALID_ARGUMENT", `${op} needs an array`);
      if (value.length === 0) return sqlOp === "IN" ? "0" : "1";
      for (const v of value) params.push(bindValue(v));
      return `${c} ${sqlOp} (${value.map(() => "?").join(", ")})`;
    }
    if (value === null && (sqlOp === "=" || sqlOp === "!=")) return `${c} IS ${sqlOp === "=" ? "" : "NOT "}NULL`;
    params.push(bindValue(value));
    return `${c} ${sqlOp} ?`;
  }

  function objectConds(obj, params) {
    if (obj === null || typeof obj !== "object" || isArray(obj)) throw new KilnError("INVALID_ARGUMENT", "where() needs an object of conditions");
    const parts = [];
    for (const col of Object.keys(obj)) {
      const v = obj[col];
      if (v !== null && typeof v === "object" && !isArray(v) && !(v instanceof Date) && !ArrayBuffer.isView(v)) {
        for (const k of Object.keys(v)) {
          const op = KEYS[k];
          if (op === undefined) throw new KilnError("INVALID_ARGUMENT", `unknown condition ${stringify(k)} (eq ne lt lte gt gte like in nin)`);
          parts.push(cond(col, op, v[k], params));
        }
      } else {
        parts.push(cond(col, "=", v, params));
      }
    }
    return parts.length ? parts.join(" AND ") : "1";
  }

  class Query {
    constructor(db, table, s) {
      this._db = db;
      this._t = table;
      this._s = s || { cols: null, where: [], params: [], order: [], limit: null, offset: null };
    }
    _with(change) {
      const s = this._s;
      const n = { cols: s.cols, where: s.where.slice(), params: s.params.slice(), order: s.order.slice(), limit: s.limit, offset: s.offset };
      change(n);
      return new Query(this._db, this._t, n);
    }
    select(...cols) { cols.forEach((c) => ident(c, "column")); return this._with((s) => { s.cols = cols; }); }
    where(a, b, c) {
      return this._with((s) => {
        if (typeof a === "object" && a !== null) s.where.push(objectConds(a, s.params));
        else if (arguments.length === 2) s.where.push(cond(a, "=", b, s.params));
        else s.where.push(cond(a, b, c, s.params));
      });
    }
    whereNull(col) { return this._with((s) => { s.where.push(`${ident(col, "column")} IS NULL`); }); }
    whereNotNull(col) { return this._with((s) => { s.where.push(`${ident(col, "column")} IS NOT NULL`); }); }
    whereAny(list) {
      if (!isArray(list) || list.length === 0) throw new KilnError("INVALID_ARGUMENT", "whereAny needs a non-empty array of conditions");
      return this._with((s) => { s.where.push("(" + list.map((o) => "(" + objectConds(o, s.params) + ")").join(" OR ") + ")"); });
    }
    orderBy(col, dir) {
      const d = dir === undefined ? "ASC" : String(dir).toUpperCase();
      if (d !== "ASC" && d !== "DESC") throw new KilnError("INVALID_ARGUMENT", "orderBy direction is \"asc\" or \"desc\"");
      return this._with((s) => { s.order.push(`${ident(col, "column")} ${d}`); });
    }
    limit(n) { return this._with((s) => { s.limit = count(n, "limit"); }); }
    offset(n) { return this._with((s) => { s.offset = count(n, "offset"); }); }
    _whereSql() { return this._s.where.length ? " WHERE " + this._s.where.join(" AND ") : ""; }
    _select(cols, limit) {
      const s = this._s;
      let sql = `SELECT ${cols} FROM ${ident(this._t, "table")}${this._whereSql()}`;
      if (s.order.length) sql += " ORDER BY " + s.order.join(", ");
      const lim = limit !== undefined ? limit : s.limit;
      if (lim !== null) sql += ` LIMIT ${lim}`;
      if (s.offset !== null) sql += `${lim === null ? " LIMIT -1" : ""} OFFSET ${s.offset}`;
      return sql;
    }
    all() {
      const cols = this._s.cols ? this._s.cols.map((c) => ident(c)).join(", ") : "*";
      return this._db.query(this._select(cols), this._s.params);
    }
    first() {
      const cols = this._s.cols ? this._s.cols.map((c) => ident(c)).join(", ") : "*";
      const rows = this._db.query(this._select(cols, 1), this._s.params);
      return rows.length ? rows[0] : null;
    }
    count() {
      const rows = this._db.query(`SELECT count(*) AS n FROM (${this._select("1")})`, this._s.params);
      return rows[0].n;
    }
    exists() { return this._db.query(`SELECT EXISTS (${this._select("1", 1)}) AS e`, this._s.params)[0].e === 1; }
    insert(rowOrRows) {
      if (isArray(rowOrRows)) return rowOrRows.map((r) => this.insert(r));
      const cols = columnsOf(rowOrRows);
      const params = cols.map((c) => bindValue(rowOrRows[c]));
      const sql = cols.length
        ? `INSERT INTO ${ident(this._t, "table")} (${cols.map((c) => ident(c)).join(", ")}) VALUES (${cols.map(() => "?").join(", ")}) RETURNING *`
        : `INSERT INTO ${ident(this._t, "table")} DEFAULT VALUES RETURNING *`;
      return this._db.query(sql, params)[0];
    }
    update(values, o) {
      this._guardAll(o, "update");
      const cols = columnsOf(values);
      if (!cols.length) throw new KilnError("INVALID_ARGUMENT", "update() needs at least one column");
      const params = cols.map((c) => bindValue(values[c])).concat(this._s.params);
      const sql = `UPDATE ${ident(this._t, "table")} SET ${cols.map((c) => `${ident(c)} = ?`).join(", ")}${this._whereSql()}`;
      return this._db.execute(sql, params).changes;
    }
    delete(o) {
      this._guardAll(o, "delete");
      return this._db.execute(`DELETE FROM ${ident(this._t, "table")}${this._whereSql()}`, this._s.params).changes;
    }
    upsert(row, conflictColumns) {
      const cols = columnsOf(row);
      const keys = isArray(conflictColumns) ? conflictColumns : [conflictColumns];
      if (!cols.length || !keys.length) throw new KilnError("INVALID_ARGUMENT", "upsert(row, conflictColumns) needs columns");
      keys.forEach((k) => ident(k, "column"));
      const rest = cols.filter((c) => !keys.includes(c));
      const set = (rest.length ? rest : [keys[0]]).map((c) => `${ident(c)} = excluded.${ident(c)}`).join(", ");
      const sql = `INSERT INTO ${ident(this._t, "table")} (${cols.map((c) => ident(c)).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})` +
        ` ON CONFLICT (${keys.map((k) => ident(k)).join(", ")}) DO UPDATE SET ${set} RETURNING *`;
      return this._db.query(sql, cols.map((c) => bindValue(row[c])))[0];
    }
    _guardAll(o, what) {
      if (this._s.where.length === 0 && !(o && o.all === true)) {
        throw new KilnError("DB_UNSAFE_WRITE", `${what}() without where() changes every row: pass {all: true}`);
      }
    }
  }

  function count(n, what) {
    if (!Number.isInteger(n) || n < 0) throw new KilnError("INVALID_ARGUMENT", `${what} must be an integer >= 0`);
    return n;
  }
  function columnsOf(row) {
    if (row === null || typeof row !== "object" || isArray(row)) throw new KilnError("INVALID_ARGUMENT", "a row is an object of column values");
    const cols = Object.keys(row).filter((c) => row[c] !== undefined);
    cols.forEach((c) => ident(c, "column"));
    return cols;
  }

  // ------------------------------------------------------------------ migrations

  // Split migration text into statements on top-level semicolons (not in strings, quoted names
  // or comments), so each runs as one statement.
  function splitSql(text) {
    const out = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === "'" || ch === '"' || ch === "`") {
        const j = text.indexOf(ch, i + 1);
        i = j < 0 ? text.length : j;
      } else if (ch === "[") {
        const j = text.indexOf("]", i + 1);
        i = j < 0 ? text.length : j;
      } else if (ch === "-" && text[i + 1] === "-") {
        const j = text.indexOf("\n", i);
        i = j < 0 ? text.length : j;
      } else if (ch === "/" && text[i + 1] === "*") {
        const j = text.indexOf("*/", i + 2);
        i = j < 0 ? text.length : j + 1;
      } else if (ch === ";") {
        out.push(text.slice(start, i));
        start = i + 1;
      }
    }
    out.push(text.slice(start));
    return out.filter((s) => s.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|\s/g, "") !== "");
  }

  function migrate(db, version, migration, options) {
    if (!Number.isInteger(version) || version < 1) throw new KilnError("INVALID_ARGUMENT", "migrate(version): version is an integer >= 1");
    let source;
    if (typeof migration === "function") source = migration.toString();
    else if (isArray(migration)) source = migration.map(String).join(";\n");
    else if (typeof migration === "string") source = migration;
    else throw new KilnError("INVALID_ARGUMENT", "migrate(version, migration): SQL text, an array of SQL, or fn(tx)");
    const description = options && options.description !== undefined ? String(options.description) : "";
    const sum = N.dbChecksum(source);
    const seen = (have) => {
      if (have !== sum) console.warn(`MIGRATION_CHANGED: migration ${version} changed since it was applied; it is not run again`);
      return { version, applied: false };
    };
    const have = N.dbMigration(version);
    if (have !== null) return seen(have);
    const fail = (e) => {
      if (e instanceof KilnError && (e.code === "DB_MIGRATION_ORDER" || e.code === "DB_MIGRATION_FAILED")) throw e;
      throw new KilnError("DB_MIGRATION_FAILED", `migration ${version} failed: ${e && e.message}`,
        { details: { version, cause: { code: e && e.code, message: e && e.message } }, cause: e });
    };
    let skipped = null;
    const body = (tx) => {
      // Checked again under the write lock: another executor or instance may have run it.
      const again = N.dbMigration(version);
      if (again !== null) { skipped = again; return undefined; }
      if (version < N.dbMigration(0)) {
        throw new KilnError("DB_MIGRATION_ORDER", `migration ${version} is lower than the highest applied (${N.dbMigration(0)}) and was never applied`);
      }
      const record = () => { N.dbMigrationPut(version, source, description); };
      if (typeof migration === "function") {
        const r = migration(tx);
        if (isThenable(r)) return then.call(Promise.resolve(r), record);
        record();
        return undefined;
      }
      const stmts = isArray(migration) ? migration.map(String) : splitSql(source);
      for (const s of stmts) tx.execute(s);
      record();
      return undefined;
    };
    let r;
    try {
      r = transaction(db, body, { timeoutMs: options && options.timeoutMs ? options.timeoutMs : 30000 });
    } catch (e) {
      fail(e);
    }
    const done = () => (skipped !== null ? seen(skipped) : { version, applied: true });
    return isThenable(r) ? then.call(r, done, fail) : done();
  }

  // ------------------------------------------------------------------ aiwebengine table API

  const COMPAT_NAME = /^[a-z][a-z0-9_]*$/;
  function compatName(n, what) {
    if (typeof n !== "string" || n.length > 63 || !COMPAT_NAME.test(n)) {
      throw new KilnError("INVALID_ARGUMENT", `${what} ${stringify(String(n))} must match ^[a-z][a-z0-9_]*$ (at most 63)`);
    }
    return n;
  }
  function objectArg(v, what) {
    if (v === undefined || v === null || v === "") return {};
    if (typeof v === "string") {
      try { return JSON.parse(v); } catch (e) { throw new KilnError("INVALID_JSON_ARGUMENT", `${what} is not valid JSON: ${e.message}`); }
    }
    return v;
  }
  const COMPAT_OPS = { $gt: "gt", $gte: "gte", $lt: "lt", $lte: "lte", $ne: "ne", $eq: "eq" };
  function compatFilters(filters) {
    const f = objectArg(filters, "filters");
    const out = {};
    for (const col of Object.keys(f)) {
      const v = f[col];
      if (v !== null && typeof v === "object" && !isArray(v)) {
        const o = {};
        for (const k of Object.keys(v)) {
          if (!COMPAT_OPS[k]) throw new KilnError("INVALID_ARGUMENT", `unknown filter ${stringify(k)} ($gt $gte $lt $lte $ne)`);
          o[COMPAT_OPS[k]] = v[k];
        }
        out[col] = o;
      } else {
        out[col] = v;
      }
    }
    return out;
  }
  function sqlLiteral(kind, v) {
    if (v === undefined || v === null) return null;
    if (kind === "INTEGER") {
      if (!Number.isInteger(v)) throw new KilnError("INVALID_ARGUMENT", "an integer column's default is an integer");
      return String(v);
    }
    if (kind === "BOOLEAN") {
      if (typeof v !== "boolean") throw new KilnError("INVALID_ARGUMENT", "a boolean column's default is true or false");
      return v ? "1" : "0";
    }
    if (kind === "TIMESTAMP" && String(v).toUpperCase() === "NOW()") return "CURRENT_TIMESTAMP";
    return "'" + String(v).replace(/'/g, "''") + "'"; // a quoted literal: DEFAULT takes no parameters
  }

  function makeCompat(db) {
    const tableOf = (t) => db.table(compatName(t, "table"));
    function addColumn(t, col, kind, nullable, dflt, ref) {
      compatName(t, "table");
      compatName(col, "column");
      const cols = N.dbColumns(t);
      if (cols === null) throw new KilnError("DB_ERROR", `table ${t} does not exist`);
      const existing = cols.find((c) => c.name === col);
      if (existing) {
        if (existing.type.toUpperCase() !== kind) throw new KilnError("DB_ERROR", `column ${t}.${col} exists with type ${existing.type}`);
        return parseSafe({ success: true, tableName: t, columnName: col, created: false });
      }
      const lit = sqlLiteral(kind, dflt);
      const notNull = nullable === false;
      if (notNull && lit === null) throw new KilnError("INVALID_ARGUMENT", `a NOT NULL column added to ${t} needs a default`);
      let sql = `ALTER TABLE ${ident(t)} ADD COLUMN ${ident(col)} ${kind}`;
      if (notNull) sql += " NOT NULL";
      if (lit !== null) sql += ` DEFAULT ${lit === "CURRENT_TIMESTAMP" ? "(CURRENT_TIMESTAMP)" : lit}`;
      if (ref) sql += ` REFERENCES ${ident(compatName(ref, "table"))} (id)`;
      db.execute(sql);
      return parseSafe({ success: true, tableName: t, columnName: col, created: true });
    }
    return {
      createTable(t) {
        compatName(t, "table");
        const created = N.dbColumns(t) === null;
        if (created) db.execute(`CREATE TABLE ${ident(t)} (id INTEGER PRIMARY KEY)`);
        return parseSafe({ success: true, tableName: t, physicalName: db.namespace + "__" + t, created });
      },
      dropTable(t) {
        compatName(t, "table");
        const dropped = N.dbColumns(t) !== null;
        if (dropped) db.execute(`DROP TABLE ${ident(t)}`);
        return parseSafe({ success: true, dropped });
      },
      addIntegerColumn: (t, c, n, d) => addColumn(t, c, "INTEGER", n, d),
      addTextColumn: (t, c, n, d) => addColumn(t, c, "TEXT", n, d),
      addBooleanColumn: (t, c, n, d) => addColumn(t, c, "BOOLEAN", n, d),
      addTimestampColumn: (t, c, n, d) => addColumn(t, c, "TIMESTAMP", n, d),
      addReferenceColumn: (t, c, ref, n) => addColumn(t, c, "INTEGER", n, undefined, ref),
      dropColumn(t, c) {
        db.execute(`ALTER TABLE ${ident(compatName(t, "table"))} DROP COLUMN ${ident(compatName(c, "column"))}`);
        return parseSafe({ success: true });
      },
      addUniqueIndex(t, columns) {
        compatName(t, "table");
        let cols = columns;
        if (typeof cols === "string") cols = cols.trim().startsWith("[") ? objectArg(cols, "columns") : [cols];
        if (!isArray(cols) || !cols.length) throw new KilnError("INVALID_ARGUMENT", "addUniqueIndex needs columns");
        cols.forEach((c) => compatName(c, "column"));
        const name = (t + "_" + cols.join("_") + "_uniq").slice(0, 63);
        db.execute(`CREATE UNIQUE INDEX IF NOT EXISTS ${ident(name)} ON ${ident(t)} (${cols.map((c) => ident(c)).join(", ")})`);
        return parseSafe({ success: true, indexName: name });
      },
      createLeaseTable(t) {
        compatName(t, "table");
        db.execute(`CREATE TABLE IF NOT EXISTS ${ident(t)} (lease_id TEXT PRIMARY KEY, owner TEXT, expires_at TIMESTAMP)`);
        return parseSafe({ success: true, tableName: t });
      },
      query(t, filters, limit, orderBy, orderDir) {
        let q = tableOf(t).where(compatFilters(filters));
        const lim = limit === undefined || limit === null ? 100 : Number(limit);
        if (!Number.isInteger(lim) || lim < 0 || lim > 1000) throw new KilnError("INVALID_ARGUMENT", "limit is 0..1000");
        if (orderBy) q = q.orderBy(compatName(orderBy, "column"), orderDir || "asc");
        return parseSafe(q.limit(lim).all());
      },
      insert: (t, data) => parseSafe(tableOf(t).insert(objectArg(data, "data"))),
      update(t, id, data) {
        const rows = db.query(`UPDATE ${ident(compatName(t, "table"))} SET ${columnsOf(objectArg(data, "data")).map((c) => `${ident(c)} = ?`).join(", ")} WHERE id = ? RETURNING *`,
          columnsOf(objectArg(data, "data")).map((c) => bindValue(objectArg(data, "data")[c])).concat([id]));
        return rows.length ? parseSafe(rows[0]) : null;
      },
      delete: (t, id) => parseSafe({ success: true, deleted: tableOf(t).where("id", id).delete() > 0 }),
      upsert: (t, keyColumns, data) => parseSafe(tableOf(t).upsert(objectArg(data, "data"),
        typeof keyColumns === "string" && keyColumns.trim().startsWith("[") ? objectArg(keyColumns, "keyColumns") : keyColumns)),
      deleteWhere(t, filters) {
        const f = compatFilters(filters);
        if (!Object.keys(f).length) throw new KilnError("DB_UNSAFE_WRITE", "deleteWhere needs filters");
        return parseSafe({ success: true, deleted: tableOf(t).where(f).delete() });
      },
      acquireLease(t, leaseId, owner, ttlMs) {
        compatName(t, "table");
        return transaction(db, () => {
          const now = Date.now();
          const cur = db.queryOne(`SELECT owner, expires_at FROM ${ident(t)} WHERE lease_id = ?`, [String(leaseId)]);
          const free = !cur || cur.owner === owner || Date.parse(cur.expires_at) <= now;
          if (!free) return parseSafe({ acquired: false, owner: cur.owner, expires_at: cur.expires_at });
          const expires = new Date(now + Number(ttlMs)).toISOString();
          db.execute(`INSERT INTO ${ident(t)} (lease_id, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT (lease_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at`,
            [String(leaseId), String(owner), expires]);
          return parseSafe({ acquired: true, owner, expires_at: expires });
        });
      },
      checkDatabaseHealth() {
        const t0 = Date.now();
        let ok = true;
        try { db.query("SELECT 1 AS ok"); } catch (e) { ok = false; }
        return parseSafe({ ok, backend: "sqlite", latencyMs: Date.now() - t0 });
      },
      generateGraphQLForTable() {
        throw new KilnError("NOT_SUPPORTED", "generateGraphQLForTable is not available yet");
      },
    };
  }

  // ------------------------------------------------------------------ database

  // Each distinct SQL text of at most SQL_ID_MAX_UNITS characters gets a small id (at most
  // SQL_IDS, then they start over) that C keeps the text under; the id, whether this call
  // registers the text, the mode and the number of parameters passed as arguments (up to
  // SQL_INLINE_MAX; C then reads no array) go to C through a Uint32Array (api_data.c, "The SQL
  // text of a dbSql call"). Set last, right before the call: reading the options may run
  // scripts.
  const SQL_IDS = 64;
  const SQL_ID_MAX_UNITS = 2048;
  const SQL_INLINE_MAX = 4;
  const sqlIds = new Map();
  const dbSlot = typeof N.dbSlot === "function" ? N.dbSlot() : null; // js/ unit tests: no host modules
  function dbSql(text, values, mode, o, ns, lists) {
    const t = String(text);
    const timeoutMs = o.timeoutMs;
    const maxRows = o.maxRows;
    let id = sqlIds.get(t);
    let register = 0;
    if (id === undefined && t.length <= SQL_ID_MAX_UNITS) {
      if (sqlIds.size === SQL_IDS) sqlIds.clear();
      id = sqlIds.size;
      sqlIds.set(t, id);
      register = 1;
    }
    dbSlot[0] = id === undefined ? SQL_IDS : id;
    dbSlot[1] = register;
    dbSlot[2] = mode;
    const n = values.length;
    if (n > SQL_INLINE_MAX) {
      dbSlot[3] = 0xffffffff;
      const r = N.dbSql(t, values, mode, timeoutMs, maxRows, ns, lists);
      return mode === 2 && r !== null ? rowOf(r, id) : r;
    }
    dbSlot[3] = n;
    const r = N.dbSql(t, undefined, mode, timeoutMs, maxRows, ns, lists, values[0], values[1], values[2], values[3]);
    return mode === 2 && r !== null ? rowOf(r, id) : r;
  }
  // queryOne's row comes as [names or undefined (the ones kept for this text id), v0, v1, ...]
  // (api_data.c, first_row_out); properties are set as C's JSObjectSetProperty did: a failed
  // or throwing [[Set]] is ignored.
  const rowNames = [];
  const reflectSet = Reflect.set;
  function rowOf(r, id) {
    let names = r[0];
    if (names === undefined) names = rowNames[id];
    else if (id !== undefined) rowNames[id] = names;
    const o = {};
    for (let i = 0; i < names.length; i++) {
      try { reflectSet(o, names[i], r[i + 1]); } catch (e) { /* as JSObjectSetProperty */ }
    }
    return o;
  }

  function makeDb(ns) {
    const db = {};
    const sql = (text, params, mode, options) => {
      const o = options || {};
      const values = bindAll(params);
      // Arrays: their JSON text, and their elements for an `IN ($n)` list (expanded in C).
      let lists;
      if (isArray(params)) {
        params.forEach((v, i) => { if (isArray(v)) (lists || (lists = []))[i] = v.map(bindValue); });
      }
      return dbSql(text, values, mode, o, ns, lists);
    };
    let compat = null;
    db.query = function (text, params, options) {
      if (ns === undefined && typeof text === "string" && /^[a-z][a-z0-9_]{0,62}$/.test(text)) {
        compat = compat || makeCompat(db);
        return compat.query.apply(null, arguments);
      }
      return sql(text, params, 0, options);
    };
    db.queryOne = (text, params, options) => sql(text, params, 2, options);
    db.execute = (text, params, options) => sql(text, params, 1, options);
    db.table = (name) => { ident(name, "table"); return new Query(db, name); };
    db.transaction = (fn, options) => transaction(db, fn, options);
    db.tables = () => N.dbTables().map((name) => ({ name, columns: N.dbColumns(name) || [] }));
    db.use = (name) => {
      if (typeof name !== "string" || !N.dbGranted(name)) {
        throw new KilnError("DB_NAMESPACE", `no read-only grant on namespace ${stringify(String(name))}`);
      }
      return makeDb(name);
    };
    if (ns === undefined) {
      Object.defineProperty(db, "namespace", { get() { return N.dbNamespace(); }, enumerable: true });
      db.migrate = (version, migration, options) => migrate(db, version, migration, options);
      db.migrations = () => N.dbMigrations();
      db.beginTransaction = (timeoutMs) => { N.dbTxBegin(timeoutMs, true); return true; };
      db.commitTransaction = () => { N.dbTxEnd(true); return true; };
      db.rollbackTransaction = () => { N.dbTxEnd(false); return true; };
      const c = () => (compat = compat || makeCompat(db));
      for (const name of ["createTable", "dropTable", "addIntegerColumn", "addTextColumn", "addBooleanColumn",
        "addTimestampColumn", "addReferenceColumn", "dropColumn", "addUniqueIndex", "createLeaseTable", "insert",
        "update", "delete", "upsert", "deleteWhere", "acquireLease", "checkDatabaseHealth", "generateGraphQLForTable"]) {
        db[name] = function () { return c()[name].apply(null, arguments); };
      }
    } else {
      Object.defineProperty(db, "namespace", { value: ns, enumerable: true });
    }
    return Object.freeze(db);
  }

  Object.defineProperty(g, "database", { value: makeDb(undefined), writable: true, configurable: true });

  // ------------------------------------------------------------------ cache

  function ttlOf(o) {
    if (o === undefined || o === null) return 0;
    const ms = o.ttlMs !== undefined ? Number(o.ttlMs) : o.ttl !== undefined ? Number(o.ttl) * 1000 : 0;
    if (!Number.isFinite(ms) || ms < 0) throw new KilnError("INVALID_ARGUMENT", "ttl must be a number >= 0");
    return Math.ceil(ms);
  }
  // cache.get gives each distinct key a small id (at most KEY_IDS at a time, then they start
  // over) that C keeps the key's UTF-8 under; the id goes to C in io[12] (cacheIo()[0], the
  // context's struct api_cache_io). When the value is a short primitive C says so in io[13]
  // (1; 2: a short object or array, and C returned its JSON text, which is kept and parsed
  // into a fresh copy for every get) and gives the entry's shared slot (io[14]), stamp (ioF[4])
  // and expiry (ioF[5]): this prelude
  // keeps the value and answers the next gets of the key itself while the slot in the cache's
  // shared memory (cacheIo()[1]: sh/shF, db_cache.h "Shared memory") still holds that stamp and
  // the entry has not expired by the cache's clock (sh[1]: the manual clock shF[1], else the
  // wall clock, Date.now()). It then records the use for the LRU (a use sequence value from
  // sh[0], stored as the larger of it and the slot's) and the hit (ioF[0]). Every 2^30th
  // sequence value goes to C instead, which keeps C's view of the sequence current. Anything
  // else (first gets, misses, expired or changed entries, objects) is C's (api_data.c,
  // "cache.get"), which returns N itself when the entry still holds the value kept here.
  const KEY_IDS = 256;
  const NO_SLOT = 0xffffffff;
  const keyIds = new Map();
  const kept = [];
  const keptJson = [];
  const keptSlot = [];
  const keptStamp = [];
  const keptExpiry = [];
  let io, ioF, sh, shF;
  function cacheGet(key) {
    const k = String(key);
    let id = keyIds.get(k);
    let v;
    if (id !== undefined) {
      const s = keptSlot[id];
      if (s !== NO_SLOT && shF[2 + 2 * s] === keptStamp[id]) {
        const e = keptExpiry[id];
        if (e === 0 || (sh[1] ? shF[1] : Date.now()) < e) {
          const u = Atomics.add(sh, 0, 1);
          if ((u & 0x3fffffff) !== 0x3fffffff) {
            const i = 6 + 4 * s;
            for (let o = sh[i]; ((u - o) | 0) > 0;) {
              const p = Atomics.compareExchange(sh, i, o, u);
              if (p === o) break;
              o = p;
            }
            ioF[0]++;
            return keptJson[id] ? parse(kept[id]) : kept[id];
          }
        }
      }
      io[12] = id;
      v = N.cacheGetId();
    } else {
      if (io === undefined) {
        const b = N.cacheIo();
        io = new Uint32Array(b[0]);
        ioF = new Float64Array(b[0]);
        sh = new Uint32Array(b[1]);
        shF = new Float64Array(b[1]);
      }
      if (keyIds.size === KEY_IDS) keyIds.clear();
      id = keyIds.size;
      io[12] = id;
      v = N.cacheGetNew(k);
      keyIds.set(k, id);
    }
    if (io[13]) {
      if (v !== N) kept[id] = v;
      keptJson[id] = io[13] === 2;
      keptSlot[id] = io[14];
      keptStamp[id] = ioF[4];
      keptExpiry[id] = ioF[5];
      return keptJson[id] ? parse(kept[id]) : kept[id];
    }
    kept[id] = undefined;
    keptSlot[id] = NO_SLOT;
    return v;
  }
  const cache = {
    set(key, value, options) {
      if (value === undefined) throw new KilnError("INVALID_ARGUMENT", "cache.set: undefined is not stored");
      N.cacheSet(String(key), value, ttlOf(options));
    },
    get(key, fallback) {
      const v = cacheGet(key);
      return v === undefined ? fallback : v;
    },
    has: (key) => N.cacheHas(String(key)),
    getOrSet(key, compute, options) {
      const k = String(key);
      const v = cacheGet(k);
      if (v !== undefined) return v;
      const ttl = ttlOf(options);
      const r = compute();
      if (isThenable(r)) return then.call(Promise.resolve(r), (x) => { if (x !== undefined) N.cacheSet(k, x, ttl); return x; });
      if (r !== undefined) N.cacheSet(k, r, ttl);
      return r;
    },
    delete: (pattern) => N.cacheDelete(String(pattern)),
    keys: (pattern) => N.cacheKeys(pattern === undefined ? "*" : String(pattern)),
    clear: () => N.cacheClear(),
    size: () => N.cacheSize(),
    stats() {
      const s = N.cacheStats();
      const lookups = s[2] + s[3];
      return { entries: s[0], bytes: s[1], hits: s[2], misses: s[3], hitRate: lookups ? s[2] / lookups : 0, sets: s[4], deletes: s[5], evictions: s[6] };
    },
  };
  Object.defineProperty(g, "cache", { value: Object.freeze(cache), writable: true, configurable: true });

  // ------------------------------------------------------------------ sharedStorage

  // getItem and setItem with string arguments go through fast functions (no lock drop around
  // the call into C, api_storage.c) when the direct path is on. Their result is the value, the
  // error to throw (an object: getItem gives strings or null, setItem true), or undefined for
  // other argument types, which the ordinary natives take (ToString may run JS).
  const { storageGetFast, storageSetFast } = N;
  const SS = g.sharedStorage;
  if (storageGetFast !== undefined && SS !== undefined) {
    const slowGet = SS.getItem;
    const slowSet = SS.setItem;
    Object.defineProperty(SS, "getItem", {
      value: function getItem(key) {
        const v = storageGetFast(key);
        if (v === undefined) return Reflect.apply(slowGet, this, arguments);
        if (v !== null && typeof v === "object") throw v;
        return v;
      },
      writable: true, configurable: true, enumerable: false,
    });
    Object.defineProperty(SS, "setItem", {
      value: function setItem(key, value) {
        const r = storageSetFast(key, value);
        if (r === true) return undefined;
        if (r === undefined) return Reflect.apply(slowSet, this, arguments);
        throw r;
      },
      writable: true, configurable: true, enumerable: false,
    });
  }

  // ------------------------------------------------------------------ personalStorage

  const P = N.personalStorage;
  const WRITE = {};
  function personal(name, anonymous) {
    return function () {
      if (N.personalUser() === null) {
        if (anonymous === WRITE) {
          throw new Unauthorized("personalStorage needs a signed-in user", { code: "AUTH_REQUIRED" });
        }
        return typeof anonymous === "function" ? anonymous.apply(null, arguments) : anonymous;
      }
      return Reflect.apply(P[name], P, arguments);
    };
  }
  const personalStorage = {
    getItem: personal("getItem", null),
    has: personal("has", false),
    keys: personal("keys", () => []),
    getJSON: personal("getJSON", (k, fallback) => (fallback === undefined ? null : fallback)),
    setItem: personal("setItem", WRITE),
    removeItem: personal("removeItem", WRITE),
    clear: personal("clear", WRITE),
    setJSON: personal("setJSON", WRITE),
    increment: personal("increment", WRITE),
    compareAndSet: personal("compareAndSet", WRITE),
  };
  Object.defineProperty(g, "personalStorage", { value: Object.freeze(personalStorage), writable: true, configurable: true });
})(globalThis);
