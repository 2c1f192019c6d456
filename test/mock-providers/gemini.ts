// Gemini generateContent, as @google/genai 3.x expects it: key in x-goog-api-key,
// /{v1|v1beta}/models/{model}:generateContent | :streamGenerateContent?alt=sse | :countTokens,
// data-only SSE frames each holding a whole response (genai yields nothing for frames with `event:`),
// errors as {"error":{code,message,status,details}}.
import { Ctx, Turn, deltas, finishStream, lastUserText, sendJson, startSse, untilClosed, write } from './server';

type Part = Record<string, unknown>;

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

function error(
  ctx: Ctx,
  code: number,
  message: string,
  details: unknown[] = [],
  headers: Record<string, string> = {},
): void {
  sendJson(ctx.res, code, { error: { code, message, status: STATUS[code] ?? 'UNKNOWN', details } }, headers);
}

export async function handleGemini(ctx: Ctx): Promise<void> {
  const { req, res, mock } = ctx;
  // A wrong key is 400 INVALID_ARGUMENT on the Gemini API, not 401.
  if (req.headers['x-goog-api-key'] !== mock.keys.gemini)
    return error(ctx, 400, 'API key not valid. Please pass a valid API key.', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' },
    ]);
  const route = /^\/(v1|v1beta)\/models\/([^:]+):(generateContent|streamGenerateContent|countTokens)$/.exec(req.path);
  if (!route) return error(ctx, 404, `Unknown path ${req.path}`);
  const [, , model, method] = route;
  const body = req.body;
  if (method === 'countTokens')
    return sendJson(res, 200, { totalTokens: Math.ceil(JSON.stringify(body.contents).length / 4) });
  const turn = mock.next('gemini', lastUserText(body.contents));
  if (turn.stall) return untilClosed(res);
  if (turn.error) {
    const e = turn.error;
    if (e.body) return sendJson(res, e.status, e.body, e.headers);
    const details =
      e.status === 429
        ? [
            {
              '@type': 'type.googleapis.com/google.rpc.RetryInfo',
              retryDelay: e.headers?.['retry-after'] ? `${e.headers['retry-after']}s` : '0.01s',
            },
          ]
        : [];
    return error(
      ctx,
      e.status,
      e.status === 429 ? 'Resource has been exhausted (e.g. check quota).' : 'An internal error has occurred.',
      details,
      e.headers,
    );
  }
  const usage = {
    promptTokenCount: turn.usage?.input ?? 12,
    candidatesTokenCount: turn.usage?.output ?? 5,
    totalTokenCount: (turn.usage?.input ?? 12) + (turn.usage?.output ?? 5),
    thoughtsTokenCount: turn.reasoning ? 3 : 0,
  };
  const chunk = (parts: Part[], finish?: string) => ({
    candidates: [{ content: { role: 'model', parts }, ...(finish ? { finishReason: finish } : {}), index: 0 }],
    usageMetadata: finish
      ? usage
      : { promptTokenCount: usage.promptTokenCount, totalTokenCount: usage.promptTokenCount },
    modelVersion: model,
    responseId: 'gemini-resp-1',
  });
  const tail = tailParts(turn);
  if (turn.blocked) {
    const blocked = {
      promptFeedback: { blockReason: turn.blocked },
      usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 },
      modelVersion: model,
      responseId: 'gemini-blocked',
    };
    if (method === 'generateContent') return sendJson(res, 200, blocked);
    startSse(res);
    await write(res, `data: ${JSON.stringify(blocked)}\r\n\r\n`);
    return void res.end();
  }
  if (method === 'generateContent') {
    const text = turn.text ?? turn.chunks?.join('');
    return sendJson(
      res,
      200,
      chunk(
        [...(turn.reasoning ? [reasoningPart(turn)] : []), ...(text !== undefined ? [{ text }] : []), ...tail],
        'STOP',
      ),
    );
  }
  if (req.query.get('alt') !== 'sse') return error(ctx, 400, 'streaming needs alt=sse');
  startSse(res);
  const send = (data: unknown) =>
    write(res, `${turn.wrongFraming ? 'event: message\n' : ''}data: ${JSON.stringify(data)}\r\n\r\n`);
  if (turn.reasoning) await send(chunk([reasoningPart(turn)]));
  for (const text of deltas(turn)) {
    await mock.delta('gemini', turn);
    await send(chunk([{ text }]));
  }
  await finishStream(
    res,
    turn,
    async () => {
      await send(chunk(tail, 'STOP'));
    },
    () =>
      send({
        error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' },
      }),
  );
}

function reasoningPart(turn: Turn): Part {
  return {
    text: turn.reasoning!.text,
    thought: true,
    thoughtSignature: turn.reasoning!.signature ?? 'sig-gemini-thought',
  };
}

/** Function calls come whole, in the last chunk, with the part-level thought signature. */
function tailParts(turn: Turn): Part[] {
  return (turn.toolCalls ?? []).map((call) => ({
    functionCall: { ...(call.id ? { id: call.id } : {}), name: call.name, args: call.args },
    ...(call.thoughtSignature ? { thoughtSignature: call.thoughtSignature } : {}),
  }));
}
