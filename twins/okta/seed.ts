// A fresh Okta org for a tenant: people, groups and an admin from the seed; API tokens and passwords from the tenant's random secrets.

import type { Faker } from '@faker-js/faker';
import { faker as englishFaker } from '@faker-js/faker/locale/en';
import type { CompanyPlan } from '../../src/company/types.ts';
import { TenantSecrets } from '../../src/kernel/secrets.ts';
import { attachRuntime } from './keys.ts';
import {
  type GroupRecord,
  IdMap,
  iso,
  newId,
  OKTA_SECRET_FORMATS,
  type OktaState,
  putGroup,
  putUser,
  type UserRecord,
  type UserStatus,
} from './store.ts';

/** Every seeded date is relative to this instant, so one seed always gives the same bytes. */
export const SEED_EPOCH_MS = Date.UTC(2025, 0, 1, 0, 0, 0);

/** The first people have well-known first names (the same as the Slack twin's), so scenarios can say "alice". */
export const CAST = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi'];

/** The seeded web app's redirect URI (Okta's sample apps use this one). */
export const DEFAULT_REDIRECT_URI = 'http://localhost:8080/authorization-code/callback';

/** What the seeded service app is granted on the org authorization server. */
export const SERVICE_SCOPES = [
  'okta.users.read',
  'okta.users.manage',
  'okta.groups.read',
  'okta.groups.manage',
  'okta.apps.read',
  'okta.logs.read',
  'okta.eventHooks.read',
  'okta.eventHooks.manage',
];

export const DEPARTMENTS = ['Engineering', 'Sales', 'Support', 'Marketing', 'Finance'];

export interface OktaSeedOptions {
  seed: number;
  tenantId: string;
  ordinal: number;
  /** The kernel's random secrets; throwaway ones when absent (benchmarks). */
  secrets?: TenantSecrets;
  /** How many people besides the admin; default 24. */
  people?: number;
  /** A company's people, groups and apps instead of the generated ones (src/company; docs/company.md). */
  company?: CompanyPlan;
}

/**
 * Fresh org state. Names come from faker seeded with `seed`; ids are hashes of seed, ordinal and
 * a counter, so the same seed and ordinal give the same org; tokens and passwords are random.
 * Alice (the first person) is `OKTA_TEST_USERNAME`, ACTIVE with `OKTA_TEST_PASSWORD`; every seeded
 * ACTIVE person has that password too, so a scenario can sign any of them in.
 */
export function seedOktaState(opts: OktaSeedOptions): OktaState {
  const secrets = opts.secrets ?? new TenantSecrets(OKTA_SECRET_FORMATS);
  const faker: Faker = new (englishFaker.constructor as typeof Faker)({ locale: englishFaker.rawDefinitions });
  faker.seed(opts.seed);
  faker.setDefaultRefDate(new Date(SEED_EPOCH_MS));
  const company = faker.company.name();
  const subdomain =
    faker.helpers
      .slugify(company.toLowerCase())
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 24) || 'twin-org';
  const plan = opts.company;
  const domain = plan ? plan.domain : `${subdomain}.test`;
  const state: OktaState = {
    org: { id: '', name: plan ? plan.name : company, subdomain: plan ? plan.domain.split('.')[0].slice(0, 24) : subdomain },
    idSeed: `okta:${opts.seed}:${opts.ordinal}`,
    idCounter: 0,
    users: new IdMap(),
    groups: new IdMap(),
    apiTokens: new IdMap(),
    apps: new IdMap(),
    authServers: new IdMap(),
    eventHooks: new IdMap(),
    logs: [],
    logSeq: 0,
    testUserId: '',
    adminUserId: '',
  };
  state.org.id = newId(state, '00o');
  const password = secrets.get('test-password');
  const created = SEED_EPOCH_MS - 200 * 86_400_000;

  const person = (first: string, last: string, status: UserStatus, department: string, extra: Partial<UserRecord> = {}) => {
    const login = `${first}.${last}`.toLowerCase().replace(/[^a-z0-9.]/g, '') + `@${domain}`;
    const when = iso(created + state.idCounter * 3_600_000);
    const active = status !== 'STAGED';
    const user: UserRecord = {
      id: newId(state, '00u'),
      status,
      created: when,
      activated: active ? when : null,
      statusChanged: active ? when : null,
      lastLogin: null,
      lastUpdated: when,
      passwordChanged: status === 'ACTIVE' ? when : null,
      profile: {
        firstName: first,
        lastName: last,
        email: login,
        login,
        mobilePhone: null,
        secondEmail: null,
        department,
        title: faker.person.jobTitle(),
      },
      provider: { type: 'OKTA', name: 'OKTA' },
      failedLogins: 0,
      ...extra,
    };
    if (status === 'ACTIVE') user.password = password;
    putUser(state, user);
    return user;
  };

  const admin = person('Okta', 'Admin', 'ACTIVE', 'IT', { roles: ['SUPER_ADMIN'] });
  admin.profile.title = 'Administrator';
  state.adminUserId = admin.id;
  const people: UserRecord[] = [];
  const count = plan ? 0 : (opts.people ?? 24);
  for (const p of plan?.people ?? []) {
    const user = person(p.firstName, p.lastName, p.status, p.department, {});
    const generated = String(user.profile.login);
    user.profile.email = user.profile.login = p.email;
    user.profile.title = p.title;
    user.profile.timezone = p.timezone;
    user.profile.nickName = p.handle;
    putUser(state, user, generated);
    people.push(user);
  }
  // Managers by Okta's own profile attributes: `managerId` (the manager's id) and `manager` (their name).
  plan?.people.forEach((p, i) => {
    const boss = p.manager ? people[plan.people.findIndex((q) => q.handle === p.manager)] : undefined;
    if (boss) {
      people[i].profile.managerId = boss.id;
      people[i].profile.manager = `${boss.profile.firstName} ${boss.profile.lastName}`;
    }
  });
  for (let i = 0; i < count; i++) {
    const first = CAST[i] ?? faker.person.firstName();
    const last = faker.person.lastName();
    // A few people in every other state, so lists and filters have something to tell apart.
    const status: UserStatus = i === count - 1 ? 'DEPROVISIONED' : i === count - 2 ? 'SUSPENDED' : i === count - 3 ? 'STAGED' : 'ACTIVE';
    people.push(person(first, last, status, DEPARTMENTS[i % DEPARTMENTS.length]));
  }
  state.testUserId = (people.find((p) => p.status === 'ACTIVE') ?? people[0] ?? admin).id;

  const group = (name: string, description: string | null, type: GroupRecord['type'], members: UserRecord[]): GroupRecord => {
    const when = iso(created);
    const g: GroupRecord = {
      id: newId(state, '00g'),
      created: when,
      lastUpdated: when,
      lastMembershipUpdated: when,
      type,
      profile: { name, description },
      members: members.map((m) => m.id),
    };
    putGroup(state, g);
    return g;
  };
  const everyone = group('Everyone', 'All users in your organization', 'BUILT_IN', [admin, ...people]);
  const byHandle = new Map(plan?.people.map((p, i) => [p.handle, people[i]]));
  const companyGroups = new Map<string, GroupRecord>([['Everyone', everyone]]);
  for (const g of plan?.groups ?? [])
    companyGroups.set(
      g.name,
      group(
        g.name,
        g.description,
        'OKTA_GROUP',
        g.members.flatMap((h) => byHandle.get(h) ?? []),
      ),
    );
  for (const dept of plan ? [] : DEPARTMENTS) {
    group(
      dept,
      `People in ${dept}`,
      'OKTA_GROUP',
      people.filter((p) => p.profile.department === dept && p.status !== 'DEPROVISIONED'),
    );
  }
  group('Admins', 'Org administrators', 'OKTA_GROUP', [admin]);
  state.apiTokens.set(secrets.get('api-token'), { userId: admin.id, name: 'twins' });
  const when = iso(created);
  state.apps.set(newId(state, '0oa'), {
    id: '',
    name: 'oidc_client',
    label: 'Twin Web App',
    status: 'ACTIVE',
    created: when,
    lastUpdated: when,
    appType: 'web',
    clientId: secrets.get('client-id'),
    clientSecret: secrets.get('client-secret'),
    redirectUris: [DEFAULT_REDIRECT_URI],
    postLogoutRedirectUris: [DEFAULT_REDIRECT_URI.replace(/\/authorization-code\/callback$/, '/')],
    grantTypes: ['authorization_code', 'refresh_token'],
    responseTypes: ['code'],
    tokenEndpointAuthMethod: 'client_secret_basic',
    grantedScopes: [],
    users: [],
    groups: [everyone.id],
  });
  state.apps.set(newId(state, '0oa'), {
    id: '',
    name: 'oidc_client',
    label: 'Twin Service App',
    status: 'ACTIVE',
    created: when,
    lastUpdated: when,
    appType: 'service',
    clientId: secrets.get('service-client-id'),
    redirectUris: [],
    postLogoutRedirectUris: [],
    grantTypes: ['client_credentials'],
    responseTypes: ['token'],
    tokenEndpointAuthMethod: 'private_key_jwt',
    runtimeKey: true,
    grantedScopes: [...SERVICE_SCOPES],
    users: [],
    groups: [],
  });
  // The company's apps (Slack, Jira, ...), assigned to its people and groups: who is provisioned where.
  for (const [i, a] of (plan?.apps ?? []).entries()) {
    state.apps.set(newId(state, '0oa'), {
      id: '',
      name: 'oidc_client',
      label: a.label,
      status: 'ACTIVE',
      created: when,
      lastUpdated: when,
      appType: 'browser',
      // By role, so a reset gives the app the same client id again.
      clientId: secrets.forRole(`client-id#${i + 1}`) ?? secrets.mint('client-id'),
      redirectUris: [`https://${domain}/sso/${a.label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`],
      postLogoutRedirectUris: [],
      grantTypes: ['authorization_code'],
      responseTypes: ['code'],
      tokenEndpointAuthMethod: 'none',
      grantedScopes: [],
      users: a.people.flatMap((h) => byHandle.get(h)?.id ?? []),
      groups: a.groups.flatMap((g) => companyGroups.get(g)?.id ?? []),
    });
  }
  for (const [id, app] of state.apps) app.id = id;
  state.authServers.set('default', {
    id: 'default',
    name: 'default',
    description: 'Default Authorization Server',
    audiences: ['api://default'],
    status: 'ACTIVE',
    created: when,
    lastUpdated: when,
    scopes: [],
  });
  if (opts.secrets) attachRuntime(state, opts.secrets);
  return state;
}
