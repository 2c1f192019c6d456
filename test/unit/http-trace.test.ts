// The recording fetch on its own, against a real local HTTP server: every body form an SDK may send is
// recorded as sent and still reaches the server whole; key parameters and auth headers are left out.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRecording, recordInto, recordingFetch } from '../../src/core/providers/http-trace';

describe('recordingFetch', () => {
  const received: string[] = [];
  let server: http.Server;
  let base = '';
  before(async () => {
    server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      received.push(Buffer.concat(chunks).toString('utf8'));
      const status = req.url?.includes('fail') ? 418 : 200;
      res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'rid-1', 'set-cookie': 'a=b' });
      res.end(JSON.stringify({ got: received.length }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
  });

  const key = `AIza${'y'.repeat(35)}`;
  const post = async (body: RequestInit['body'], extra: RequestInit = {}, path = '/v1/x') => {
    const recording = new HttpRecording();
    const response = await recordInto(recording, () =>
      recordingFetch(key)(`${base}${path}?alt=sse&key=${key}`, { method: 'POST', body, ...extra }),
    );
    const text = await response.text();
    await recording.settled();
    return { attempt: recording.attempts[0]!, count: recording.attempts.length, text };
  };

  it('records string, Uint8Array and ReadableStream bodies as sent, and the server still gets them whole', async () => {
    const json = '{"message":"héllo ✓","n":1}';
    const bytes = new TextEncoder().encode(json);
    const stream = () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(bytes.slice(0, 5));
          c.enqueue(bytes.slice(5));
          c.close();
        },
      });
    for (const body of [json, bytes, stream()]) {
      const extra = body instanceof ReadableStream ? ({ duplex: 'half' } as RequestInit) : {};
      const { attempt, text } = await post(body, extra);
      assert.equal(attempt.requestBody, json);
      assert.equal(received.at(-1), json, 'the server received the whole body');
      assert.equal(text, JSON.stringify({ got: received.length }), 'the caller still reads the response');
      assert.equal(attempt.responseBody, text, 'a plain response is recorded from a clone');
    }
  });

  it('leaves out key parameters, auth headers and cookies, and keeps request ids and other headers', async () => {
    const { attempt } = await post('{}', {
      headers: {
        Authorization: `Bearer ${key}`,
        'x-goog-api-key': key,
        cookie: 'c=d',
        'Content-Type': 'application/json',
      },
    });
    assert.equal(attempt.url, `${base}/v1/x?alt=sse`);
    assert.deepEqual(attempt.requestHeaders, { 'content-type': 'application/json' });
    assert.equal(attempt.responseHeaders!['set-cookie'], undefined);
    assert.equal(attempt.responseHeaders!['x-request-id'], 'rid-1');
    assert.deepEqual(attempt.requestIds, { 'x-request-id': 'rid-1' });
    assert.ok(!JSON.stringify(attempt).includes(key));
  });

  it('marks a failed response with its status and keeps its body; records nothing outside a recorded call', async () => {
    const { attempt } = await post('{}', {}, '/fail');
    assert.equal(attempt.status, 418);
    assert.match(attempt.error!, /^HTTP 418/);
    assert.equal(attempt.responseBody, JSON.stringify({ got: 1 }));

    const response = await recordingFetch(key)(`${base}/v1/x`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 200, 'without a recording it is a plain fetch');
  });

  it('records a request that never reached the server, with why', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const recording = new HttpRecording();
    await assert.rejects(
      recordInto(recording, () =>
        recordingFetch(key)(`http://127.0.0.1:${port}/v1/x`, { method: 'POST', body: '{"a":1}' }),
      ),
    );
    const [attempt] = recording.attempts;
    assert.equal(attempt!.requestBody, '{"a":1}');
    assert.equal(attempt!.status, undefined);
    assert.match(attempt!.error!, /ECONNREFUSED/);
  });
});
