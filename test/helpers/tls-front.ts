import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';

/** A throw-away CA, a server certificate for `serverName` and a client certificate, as PEM files (openssl). */
export function makeCertificates(serverName: string): { dir: string; caPath: string; serverCertPath: string; serverKeyPath: string; clientCertPath: string; clientKeyPath: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leadgen-tls-'));
  const at = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ecKey, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=leadgen-test-ca');
  writeFileSync(at('server.ext'), `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth\n`);
  writeFileSync(at('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    openssl('req', ...ecKey, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=leadgen-test-${who}`);
    openssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '2', '-extfile', `${who}.ext`);
  }
  return {
    dir,
    caPath: at('ca.pem'),
    serverCertPath: at('server.pem'),
    serverKeyPath: at('server.key'),
    clientCertPath: at('client.pem'),
    clientKeyPath: at('client.key'),
  };
}

export interface TlsFront {
  address: string;
  /** Per gRPC call: the client certificate's subject CN and the authorization header the server received. */
  calls: { clientCn: string | undefined; authorization: string | undefined }[];
  close(): Promise<void>;
}

/**
 * A TLS-terminating gRPC front for a plaintext Temporal server, as a load balancer or Temporal Cloud's edge
 * would be: it demands a client certificate signed by `ca` (mTLS), records what each call presented, and
 * forwards every HTTP/2 stream (headers, messages, trailers) to `upstream` unchanged.
 */
export async function startTlsFront(options: { upstream: string; cert: Buffer; key: Buffer; ca: Buffer }): Promise<TlsFront> {
  const upstream = http2.connect(`http://${options.upstream}`);
  upstream.on('error', () => undefined);
  const calls: TlsFront['calls'] = [];
  const server = http2.createSecureServer({ cert: options.cert, key: options.key, ca: options.ca, requestCert: true, rejectUnauthorized: true });
  server.on('stream', (stream, headers) => {
    const peer = (stream.session?.socket as TLSSocket | undefined)?.getPeerCertificate();
    calls.push({ clientCn: [peer?.subject?.CN ?? []].flat().join(', ') || undefined, authorization: [headers.authorization].flat().join(', ') || undefined });
    const forwarded = Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith(':') || name === ':method' || name === ':path'));
    const call = upstream.request(forwarded);
    stream.pipe(call);
    let trailers: http2.IncomingHttpHeaders | undefined;
    call.on('trailers', (received) => (trailers = received));
    call.on('response', (responseHeaders) => {
      // A trailers-only answer (an error without a message) carries grpc-status in its only header block.
      if (responseHeaders['grpc-status'] !== undefined) {
        stream.respond(responseHeaders, { endStream: true });
        call.resume();
        return;
      }
      stream.respond(responseHeaders, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(withoutPseudo(trailers ?? {})));
      call.pipe(stream);
    });
    const abort = () => {
      if (!call.destroyed) call.close(http2.constants.NGHTTP2_CANCEL);
    };
    stream.on('close', abort);
    stream.on('error', abort);
    call.on('error', () => {
      if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('sessionError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise((resolve) => {
        upstream.close();
        server.close(() => resolve());
        // Open client sessions (long polls) would keep close() waiting.
        for (const session of sessions) session.destroy();
      }),
  };

  function withoutPseudo(h: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
    return Object.fromEntries(Object.entries(h).filter(([name]) => !name.startsWith(':')));
  }
}
