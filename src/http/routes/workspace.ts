import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { isValidTimeZone, parseCallingWindow } from '../../domain/calling-window.js';
import { badRequest } from '../../domain/errors.js';
import type { Workspace } from '../../domain/types.js';
import type { Runtime } from '../../runtime.js';
import { getWorkspace, updateWorkspaceSettings } from '../../storage/workspaces-repo.js';
import { ErrorBody } from '../schemas/error-bodies.js';
import {
  FREQUENCY_CAP_MAX_ATTEMPTS,
  FREQUENCY_CAP_MAX_HOURS,
  WORKSPACE_LIMIT_MAX,
  WorkspaceBody,
  WorkspacePatchBody,
} from '../schemas/workspace.js';

const SETTINGS =
  'maxConcurrentCalls, callsPerSecond, timezone, frequencyCap, callingWindow or requireConsent';
const FIELD_RULES: Record<string, string> = {
  maxConcurrentCalls: `an integer from 1 to ${WORKSPACE_LIMIT_MAX}`,
  callsPerSecond: `an integer from 1 to ${WORKSPACE_LIMIT_MAX}`,
  timezone: 'an IANA time zone name such as America/New_York',
  frequencyCap: `null or {"maxAttempts": 1 to ${FREQUENCY_CAP_MAX_ATTEMPTS}, "periodHours": 1 to ${FREQUENCY_CAP_MAX_HOURS}}`,
  callingWindow:
    'an object {"timezone": "recipient" or an IANA zone, "days": [1..7], "start": "HH:MM", "end": "HH:MM"}',
  requireConsent: 'true or false',
};

/** The PATCH body's schema errors as one flat 400 that names the field and its rule. */
function settingsError(errors: FastifySchemaValidationError[]): Error {
  const unknown = errors.find((e) => e.keyword === 'additionalProperties' && e.instancePath === '');
  if (unknown) {
    const names = (unknown.params['additionalProperties'] as string[] | undefined) ?? [];
    return badRequest(
      'Unknown field',
      `Unknown field ${names.map((n) => `"${n}"`).join(', ')}: only ${SETTINGS} can be changed`,
    );
  }
  const e = errors[0]!;
  const field = e.instancePath.slice(1).split('/')[0] ?? '';
  const rule = FIELD_RULES[field];
  if (rule) return badRequest(`Invalid ${field}`, `${field} must be ${rule}`);
  if (e.keyword === 'minProperties') {
    return badRequest('Empty body', `Send at least one of ${SETTINGS}`);
  }
  return badRequest('Invalid body', `The body must be a JSON object with ${SETTINGS}`);
}

const present = (w: Workspace): WorkspaceBody => ({
  id: w.id,
  name: w.name,
  maxConcurrentCalls: w.maxConcurrentCalls,
  callsPerSecond: w.callsPerSecond,
  timezone: w.timezone,
  frequencyCap: w.frequencyCap,
  callingWindow: w.callingWindow,
  requireConsent: w.requireConsent,
  paused: w.pausedAt !== null,
  ...(w.pausedAt === null ? {} : { pausedAt: w.pausedAt }),
});

/** The floor as stored: the batch window's own rules (zone, times, distinct days). */
function floorOf(raw: unknown) {
  const parsed = parseCallingWindow(raw);
  if (!parsed.ok) throw badRequest('Invalid callingWindow', parsed.message);
  return parsed.value;
}

/**
 * The zone as it will be stored: Intl's spelling when only the letter case differs
 * ("america/new_york" → "America/New_York"), else as given, since Intl maps some legacy names
 * to other zones ("EST" → "America/Panama") and the user's choice should read back unchanged.
 */
function timeZoneOf(raw: string): string {
  if (!isValidTimeZone(raw)) {
    throw badRequest(
      'Invalid timezone',
      `timezone must be an IANA time zone such as America/New_York or UTC; got "${raw}"`,
    );
  }
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone: raw }).resolvedOptions().timeZone;
  return resolved.toLowerCase() === raw.toLowerCase() ? resolved : raw;
}

/**
 * §15 (ext). The authenticated workspace only. The engine reads the limits in every claim
 * (lockNextWorkspace in storage/dispatch-repo.ts), so a change applies to calls started after it;
 * calls already active are not affected.
 */
export async function workspaceRoutes(app: FastifyInstance, opts: { rt: Runtime }) {
  const { rt } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  const load = async (id: string) => {
    const w = await getWorkspace(rt.db, id);
    // Auth has just found this workspace's key; only a concurrent delete gets here.
    if (!w) throw new Error(`workspace ${id} vanished`);
    return w;
  };

  r.get('/', { schema: { response: { 200: WorkspaceBody } } }, async (req) =>
    present(await load(req.workspaceId)),
  );

  r.patch(
    '/',
    {
      schema: { body: WorkspacePatchBody, response: { 200: WorkspaceBody, 400: ErrorBody } },
      // TypeBox itself rejects "5" for an integer; the app's Ajv would coerce it.
      validatorCompiler: TypeBoxValidatorCompiler,
      schemaErrorFormatter: settingsError,
    },
    async (req) => {
      const b = req.body;
      const updated = await updateWorkspaceSettings(rt.db, req.workspaceId, {
        ...(b.maxConcurrentCalls === undefined ? {} : { maxConcurrentCalls: b.maxConcurrentCalls }),
        ...(b.callsPerSecond === undefined ? {} : { callsPerSecond: b.callsPerSecond }),
        ...(b.timezone === undefined ? {} : { timezone: timeZoneOf(b.timezone) }),
        ...(b.frequencyCap === undefined ? {} : { frequencyCap: b.frequencyCap }),
        ...(b.callingWindow === undefined ? {} : { callingWindow: floorOf(b.callingWindow) }),
        ...(b.requireConsent === undefined ? {} : { requireConsent: b.requireConsent }),
      });
      return present(updated ?? (await load(req.workspaceId)));
    },
  );
}
