// A minimal static file server for the e2e tests: node serve-static.mjs DIR PORT
// The same files are also served under /deep/sub/path/, to test hosting at a sub-path.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, extname, normalize } from 'node:path';

const [dir, port] = [process.argv[2], Number(process.argv[3])];
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
createServer(async (req, res) => {
  const requested = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/deep\/sub\/path\//, '/');
  const path = normalize(requested).replace(/^(\.\.[/\\])+/, '');
  const file = join(dir, path.endsWith('/') ? path + 'index.html' : path);
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end('not found');
  }
}).listen(port, '127.0.0.1');
