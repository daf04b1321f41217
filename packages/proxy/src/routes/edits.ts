/**
 * `POST /v1/images/edits`, `/images/edits` and the Azure-style
 * `/openai/deployments/:model/images/edits`: parse (multipart or JSON) → authorize the model group
 * → budget → read and check every input → `router.imageEdit` → OpenAI's JSON with the retouch
 * headers; with `stream=true`, `router.streamImageEdit` → OpenAI's event stream (see `edit-stream.ts`).
 * @module
 */
import { APIUserAbortError, getMeta, RetouchError } from '@retouch/core';
import type { CallOutcomeReport } from '@retouch/router';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { keyBudgets } from '../auth.js';
import { callBudgets } from '../budgets.js';
import { countTokens } from '../rate-limits.js';
import { spendLogger } from '../spend-rows.js';

/** Runs each hook given with a call's outcome. */
function settledHook(
  ...hooks: (((outcome: CallOutcomeReport) => void) | undefined)[]
): (outcome: CallOutcomeReport) => void {
  return (outcome) => {
    for (const hook of hooks) hook?.(outcome);
  };
}
import type { ProxyContext } from '../context.js';
import { toEditParams } from '../request/edit-params.js';
import { readJsonEdit } from '../request/json-body.js';
import { isMultipart, readMultipartEdit } from '../request/multipart.js';
import { prepareInputs } from '../request/prepare-inputs.js';
import { authenticate } from './authenticate.js';
import { originOf } from './image-files.js';
import { retouchHeaders, sendEventStream } from './edit-stream.js';

/**
 * Header naming the end-user when the body has no `user`.
 *
 * @example
 * ```ts
 * import { END_USER_HEADER } from '@retouch/proxy';
 * await fetch(`${url}/v1/images/edits`, { method: 'POST', headers: { [END_USER_HEADER]: 'alice', authorization: 'Bearer sk-1234' }, body: form });
 * ```
 */
export const END_USER_HEADER = 'x-retouch-end-user';

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

/**
 * Registers the edit routes.
 *
 * @example
 * ```ts
 * registerEditRoutes(app, ctx);
 * // curl http://127.0.0.1:4000/v1/images/edits -H "Authorization: Bearer sk-1234" -F model=gpt-image-2 -F image=@cat.png -F prompt="Add a hat"
 * ```
 */
export function registerEditRoutes(app: FastifyInstance, ctx: ProxyContext): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // Aborted when the client goes away (stop downloads, retries and upstream calls made for it)
    // and at the end of the shutdown grace period.
    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) {
        controller.abort(new APIUserAbortError({ message: 'the client closed the connection' }));
      }
    });
    ctx.inFlight.add(controller);
    // A stream outlives the handler: it leaves the in-flight set (which shutdown aborts) when it ends.
    let streaming = false;
    const keepUntilStreamEnds = () => {
      streaming = true;
      return () => ctx.inFlight.delete(controller);
    };
    try {
      return await serve(request, reply, controller.signal, keepUntilStreamEnds);
    } catch (error) {
      // The reason it was aborted for (a shutdown, a hang-up), not the abort it caused downstream.
      const reason: unknown = controller.signal.reason;
      throw controller.signal.aborted && RetouchError.isInstance(reason) ? reason : error;
    } finally {
      if (!streaming) ctx.inFlight.delete(controller);
    }
  };
  const serve = async (
    request: FastifyRequest,
    reply: FastifyReply,
    signal: AbortSignal,
    keepUntilStreamEnds: () => () => void,
  ) => {
    const startedAt = new Date();
    const state = request.retouch;
    const caller = state.caller ?? (await ctx.keys.authenticate(request.headers));
    const { limits, defaultModel } = ctx.config;
    const raw = isMultipart(request)
      ? await readMultipartEdit(request, limits)
      : readJsonEdit(request.body, limits);
    const pathModel = (request.params as { model?: string } | undefined)?.model;
    if (pathModel) raw.fields.model = pathModel;
    const { params, metadata } = toEditParams(raw, {
      defaultModel,
      promptOptional: (model) => ctx.promptOptional(model),
      endUser: headerValue(request, END_USER_HEADER) ?? caller.userId,
    });
    state.modelGroup = params.model;
    state.user = params.user;
    ctx.keys.authorizeModel(caller, params.model, ctx.groupsOf(params.model));
    const checked = await prepareInputs(params, {
      maxImageBytes: limits.maxImageBytes,
      signal,
    });
    const { store } = ctx;
    const context = {
      requestId: request.id,
      apiKeyHash: caller.keyHash,
      budgets: store
        ? await callBudgets(caller, params.user, {
            endUsers: ctx.endUsers,
            configSeeds: ctx.configSeeds,
            maxEndUserBudget: ctx.config.router.max_end_user_budget,
          })
        : keyBudgets(caller),
      allowedGroups: caller.models,
      signal,
      metadata: { ...metadata, user_api_key_alias: caller.alias },
      onSettled: settledHook(
        store
          ? spendLogger(store, {
              requestId: request.id,
              caller,
              startedAt,
              prompt: ctx.config.storePrompts && typeof params.prompt === 'string' ? params.prompt : null,
            })
          : undefined,
        (outcome) => countTokens(ctx.router, caller, outcome.usage),
      ),
    };
    if (params.stream === true) {
      // Failures before the first event are thrown here and answered as JSON errors, as unstreamed.
      const stream = await ctx.router.streamImageEdit(checked, context);
      return sendEventStream(reply, stream, { state, signal, done: keepUntilStreamEnds() });
    }
    const served = await ctx.router.imageEdit(ctx.imageUrls.forRouter(checked), context);
    const response = await ctx.imageUrls.finish(
      served,
      params.response_format,
      originOf(request, ctx.imageUrls),
    );
    const meta = getMeta(response);
    state.modelGroup = meta.modelGroup ?? params.model;
    state.deploymentId = meta.deploymentId;
    state.costUsd = meta.costUsd;
    state.attempts = meta.attempts;
    state.warnings = meta.warnings;
    const headers = retouchHeaders(meta, params.model);
    // `_meta` is not enumerable: the body is exactly OpenAI's ImagesResponse.
    return reply.code(200).headers(headers).type('application/json').send(JSON.stringify(response));
  };
  const options = { onRequest: authenticate(ctx, { edit: true }) };
  app.post('/v1/images/edits', options, handler);
  app.post('/images/edits', options, handler);
  app.post('/openai/deployments/:model/images/edits', options, handler);
}
