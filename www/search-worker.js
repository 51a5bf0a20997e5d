// One worker of the page's "Can this break?" search. It loads the page's own module (the
// same file the page loaded, so the browser has it already; its address comes with every
// request, so a page built under another name works too) and answers each request: a batch
// of fuzz runs of a set-up, or the shrinking of a run that broke a property. Every answer
// carries the request's `id`; a failure is answered, never thrown.
let loaded = null;

function load(module) {
  if (!loaded) {
    loaded = import(module).then(async (m) => {
      await m.default();
      return m;
    });
  }
  return loaded;
}

// A shrink tells the page how far it has got, at most ten times a second.
function progress(id) {
  let last = 0;
  return (runs, budget, actions) => {
    const now = performance.now();
    if (now - last < 100) return;
    last = now;
    postMessage({ id, progress: { runs, budget, actions } });
  };
}

onmessage = async (event) => {
  const request = event.data;
  try {
    const m = await load(request.module);
    const result = request.kind === 'shrink'
      ? m.shrinkRun(request.query, request.property, request.atEnd, progress(request.id))
      : m.searchRuns(request.query, request.until, request.keep, request.from, request.to);
    postMessage({ id: request.id, ok: true, result });
  } catch (error) {
    postMessage({ id: request.id, ok: false, message: String((error && error.message) || error) });
  }
};
