// Group rules: an Okta expression over a person's profile puts matching people in groups, kept in step as profiles change and when a rule is activated.

import * as effects from '../effects.ts';
import { notFound, type OktaErrorCause, oktaError, validationFailed } from '../errors.ts';
import { ExpressionError, evaluate, isBoolean, namedGroupIds, type OktaExpression, parseOktaExpression } from '../expression.ts';
import { NO_CONTENT, type OktaContext, pageOf, queryString, Reply, sentQuery } from '../render.ts';
import {
  compareIds,
  type GroupRuleRecord,
  IdMap,
  iso,
  linkHeader,
  listAdd,
  listHas,
  listRemove,
  newId,
  type OktaState,
  type UserRecord,
} from '../store.ts';
import { addMember, removeMember } from './users.ts';

const EXPRESSION_TYPE = 'urn:okta:expression:1.0';
const RULES_PAGE_DEFAULT = 50;
const RULES_PAGE_MAX = 200;

interface RuleArgs {
  type?: string;
  name: string;
  conditions?: {
    expression?: { value?: string; type?: string };
    people?: { users?: { exclude?: string[] }; groups?: { exclude?: string[] } };
  };
  actions?: { assignUserToGroups?: { groupIds?: string[] } };
}

function rulesOf(state: OktaState): IdMap<GroupRuleRecord> {
  state.groupRules ??= new IdMap();
  return state.groupRules;
}

const parsed = new Map<string, OktaExpression>();

function expressionOf(rule: GroupRuleRecord): OktaExpression {
  let node = parsed.get(rule.expression);
  if (!node) {
    node = parseOktaExpression(rule.expression);
    if (parsed.size > 1000) parsed.clear();
    parsed.set(rule.expression, node);
  }
  return node;
}

function ruleView(rule: GroupRuleRecord): Record<string, unknown> {
  return {
    type: 'group_rule',
    id: rule.id,
    status: rule.status,
    name: rule.name,
    created: rule.created,
    lastUpdated: rule.lastUpdated,
    conditions: {
      people: { users: { exclude: rule.excludeUsers }, groups: { exclude: [] } },
      expression: { value: rule.expression, type: EXPRESSION_TYPE },
    },
    actions: { assignUserToGroups: { groupIds: rule.groupIds } },
  };
}

/** Okta's checks: a name, a boolean expression it understands, OKTA_GROUP targets the expression does not itself test. */
function readRule(ctx: OktaContext<RuleArgs>): Pick<GroupRuleRecord, 'name' | 'expression' | 'groupIds' | 'excludeUsers'> {
  const a = ctx.args;
  const causes: OktaErrorCause[] = [];
  const name = typeof a.name === 'string' ? a.name.trim() : '';
  if (!name) causes.push({ errorSummary: 'name: The field cannot be left blank' });
  else if (name.length > 50) causes.push({ errorSummary: 'name: The field cannot exceed 50 characters' });
  const expression = a.conditions?.expression?.value ?? '';
  if (a.conditions?.expression?.type !== undefined && a.conditions.expression.type !== EXPRESSION_TYPE)
    causes.push({ errorSummary: `conditions.expression.type: must be ${EXPRESSION_TYPE}` });
  const groupIds = a.actions?.assignUserToGroups?.groupIds ?? [];
  let node: OktaExpression | undefined;
  if (!expression.trim()) causes.push({ errorSummary: 'conditions.expression.value: The field cannot be left blank' });
  else {
    try {
      node = parseOktaExpression(expression);
      if (!isBoolean(node)) causes.push({ errorSummary: 'Invalid expression: the expression must evaluate to a boolean' });
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      causes.push({ errorSummary: `Invalid expression: ${err.message}` });
    }
  }
  if (groupIds.length === 0) causes.push({ errorSummary: 'actions.assignUserToGroups.groupIds: The field cannot be left blank' });
  for (const id of groupIds) {
    const g = ctx.state.groups.get(id);
    if (!g) causes.push({ errorSummary: `actions.assignUserToGroups.groupIds: Group ${id} does not exist` });
    else if (g.type !== 'OKTA_GROUP')
      causes.push({ errorSummary: `actions.assignUserToGroups.groupIds: Group ${id} is not an OKTA_GROUP` });
  }
  if (node) {
    const loops = namedGroupIds(node).filter((id) => groupIds.includes(id));
    if (loops.length > 0)
      causes.push({ errorSummary: `The rule's expression cannot test membership of the groups it assigns (${loops.join(', ')})` });
  }
  if (causes.length > 0) throw validationFailed('rule', causes);
  return { name, expression, groupIds: [...new Set(groupIds)], excludeUsers: a.conditions?.people?.users?.exclude ?? [] };
}

/** Put one person where the ACTIVE rules say: in the groups of rules they match, out of those of rules that put them there and they no longer match. */
function applyRulesTo(ctx: OktaContext<unknown>, user: UserRecord, only?: GroupRuleRecord): void {
  const rules = only ? [only] : rulesOf(ctx.state).values();
  let now: string | undefined;
  for (const rule of rules) {
    if (rule.status !== 'ACTIVE') continue;
    now ??= iso(ctx.now());
    let matches = false;
    if (user.status !== 'DEPROVISIONED' && !rule.excludeUsers.includes(user.id)) {
      try {
        matches = evaluate(expressionOf(rule), ctx.state, user) === true;
      } catch {
        matches = false;
      }
    }
    if (matches) {
      for (const gid of rule.groupIds) addMember(ctx, gid, user, now);
      listAdd(rule.assigned, user.id);
    } else if (listRemove(rule.assigned, user.id)) {
      for (const gid of rule.groupIds) {
        // Another ACTIVE rule that still puts them there keeps them in.
        let kept = false;
        for (const r of rulesOf(ctx.state).values())
          if (r !== rule && r.status === 'ACTIVE' && r.groupIds.includes(gid) && listHas(r.assigned, user.id)) kept = true;
        if (!kept) removeMember(ctx, gid, user, now);
      }
    }
  }
}

function ruleFromPath(ctx: OktaContext<unknown>): GroupRuleRecord {
  const r = rulesOf(ctx.state).get(ctx.params.ruleId);
  if (!r) throw notFound(ctx.params.ruleId, 'GroupRule');
  return r;
}

/** GET /api/v1/groups/rules: `search` (a part of the name), `limit`, `after`. */
export function listGroupRules(ctx: OktaContext): unknown {
  const search = queryString(ctx, 'search')?.toLowerCase();
  const limit = Math.min(typeof ctx.query.limit === 'number' ? ctx.query.limit : RULES_PAGE_DEFAULT, RULES_PAGE_MAX);
  const rules = rulesOf(ctx.state);
  const ids = [...rules.keys()].sort(compareIds);
  const page = pageOf(ids, queryString(ctx, 'after'), limit, (id) => {
    const r = rules.get(id);
    return r && (!search || r.name.toLowerCase().includes(search)) ? r : undefined;
  });
  return new Reply(200, page.items.map(ruleView), {
    link: linkHeader(ctx.baseUrl, '/api/v1/groups/rules', sentQuery(ctx), page.next),
  });
}

/** POST /api/v1/groups/rules: a new rule, INACTIVE until activated. */
export function createGroupRule(ctx: OktaContext<RuleArgs>): unknown {
  const fields = readRule(ctx);
  const now = iso(ctx.now());
  const rule: GroupRuleRecord = {
    id: newId(ctx.state, '0pr'),
    ...fields,
    status: 'INACTIVE',
    created: now,
    lastUpdated: now,
    assigned: [],
  };
  rulesOf(ctx.state).set(rule.id, rule);
  return ruleView(rule);
}

export function getGroupRule(ctx: OktaContext): unknown {
  return ruleView(ruleFromPath(ctx));
}

/** PUT /api/v1/groups/rules/{ruleId}: an INACTIVE rule only (Okta: E0000090 otherwise). */
export function replaceGroupRule(ctx: OktaContext<RuleArgs>): unknown {
  const rule = ruleFromPath(ctx);
  if (rule.status === 'ACTIVE') throw oktaError(400, 'E0000090', 'Deactivate the rule before updating it.');
  Object.assign(rule, readRule(ctx), { lastUpdated: iso(ctx.now()) });
  return ruleView(rule);
}

/** DELETE /api/v1/groups/rules/{ruleId}: 202; `removeUsers=true` also takes out the people it put in. */
export function deleteGroupRule(ctx: OktaContext): unknown {
  const rule = ruleFromPath(ctx);
  if (ctx.query.removeUsers === true) {
    const now = iso(ctx.now());
    for (const uid of rule.assigned) {
      const user = ctx.state.users.get(uid);
      if (user) for (const gid of rule.groupIds) removeMember(ctx, gid, user, now);
    }
  }
  rulesOf(ctx.state).delete(rule.id);
  return new Reply(202, undefined);
}

/** POST …/lifecycle/activate: 204; every person is checked against it at once. */
export function activateGroupRule(ctx: OktaContext): unknown {
  const rule = ruleFromPath(ctx);
  if (rule.status !== 'ACTIVE') {
    rule.status = 'ACTIVE';
    rule.lastUpdated = iso(ctx.now());
    for (const user of [...ctx.state.users.values()]) applyRulesTo(ctx, user, rule);
  }
  return NO_CONTENT;
}

/** POST …/lifecycle/deactivate: 204; people keep the memberships it gave (as in Okta). */
export function deactivateGroupRule(ctx: OktaContext): unknown {
  const rule = ruleFromPath(ctx);
  if (rule.status === 'ACTIVE') {
    rule.status = 'INACTIVE';
    rule.lastUpdated = iso(ctx.now());
    rule.assigned = [];
  }
  return NO_CONTENT;
}

// A person created or changed is checked against every ACTIVE rule.
effects.onUserChange((ctx, user) => {
  if ((ctx.state as OktaState).groupRules?.size) applyRulesTo(ctx, user);
});
