// examples/files.js: file uploads (multipart/form-data) and a streamed response body.
// Try:  curl -F title=Notes -F 'file=@README.md' localhost:8080/files/upload
//       curl -N localhost:8080/files/countdown?from=5      (one line every 200 ms)

// context.request.files are Files (text(), arrayBuffer(), slice(), stream()) with the upload's
// filename, contentType and size; context.request.form has the text fields.
async function upload(context) {
  const files = context.request.files;
  if (files.length === 0) {
    throw new BadRequestError("send at least one file field (curl -F 'file=@path')");
  }
  const out = [];
  for (const f of files) {
    const head = await f.slice(0, 64).text();
    out.push({ field: f.field, filename: f.filename, contentType: f.contentType, size: f.size,
      firstLine: head.split("\n")[0] });
  }
  return Response.json({ title: context.request.form.title ?? null, files: out });
}

// A Response whose body is a ReadableStream goes out chunk by chunk (chunked encoding). The
// stream must end within the invocation's time limit (5 s by default).
function countdown(context) {
  let n = Math.min(Number(context.request.query.from ?? 3) || 3, 20);
  return new Response(new ReadableStream({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (n > 0) controller.enqueue(`${n--}...\n`);
      else { controller.enqueue("liftoff\n"); controller.close(); }
    },
  }), { headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
}

function init() {
  routeRegistry.registerRoute("/files/upload", upload, "POST");
  routeRegistry.registerRoute("/files/countdown", countdown, "GET");
}
