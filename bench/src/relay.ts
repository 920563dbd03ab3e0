// The direct relay: the same HTTP → socket path as the messenger, without Kafka, storage,
// validation libraries or receipts. POST /send answers 202 and emits to the recipient's room
// (and the sender's, like the server). Tokens are "relay:<username>". Run as a child process.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 0);
let offset = 0;

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/send') {
    res.writeHead(404).end();
    return;
  }
  const auth = req.headers.authorization ?? '';
  const from = auth.startsWith('Bearer relay:') ? auth.slice('Bearer relay:'.length) : '';
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: { to?: unknown; text?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to?: unknown; text?: unknown };
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (!from || typeof body.to !== 'string' || typeof body.text !== 'string') {
      res.writeHead(400).end();
      return;
    }
    const message = {
      id: randomUUID(),
      from,
      to: body.to,
      text: body.text,
      sentAt: new Date().toISOString(),
      state: 'sent',
    };
    io.to(`user:${message.to}`).emit('message:new', { message, readingNow: false });
    io.to(`user:${from}`).emit('message:new', { message, readingNow: false });
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: message.id, partition: 0, offset: String(offset++), sentAt: message.sentAt }));
  });
});

const io = new Server(server, { serveClient: false, pingInterval: 20_000, pingTimeout: 20_000 });
io.use((socket, next) => {
  const token = (socket.handshake.auth as { token?: unknown }).token;
  if (typeof token !== 'string' || !token.startsWith('relay:')) return next(new Error('unauthorized'));
  socket.data = { username: token.slice('relay:'.length) };
  next();
});
io.on('connection', (socket) => {
  void socket.join(`user:${(socket.data as { username: string }).username}`);
  socket.on('message:ack', (payload: { ids?: unknown[] }, ack?: (r: unknown) => void) => {
    if (typeof ack === 'function') ack({ ok: true, data: { acknowledged: payload?.ids?.length ?? 0 } });
  });
  socket.emit('sync:done', { delivered: 0 });
});

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`relay listening on ${typeof address === 'object' && address ? address.port : port}`);
});
process.on('SIGTERM', () => {
  io.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
