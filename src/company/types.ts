// What a company is once its seed file is read and checked: the same people, groups, channels, projects, issues and apps, for every twin's seed to lay out in its own vendor's shapes.

/** One person of the company, present in the Okta org, the Slack workspace and the Jira site (unless left out of one). */
export interface CompanyPerson {
  /** How steps and the file refer to them: `bob` (lower case, unique). */
  handle: string;
  firstName: string;
  lastName: string;
  email: string;
  title: string;
  department: string;
  /** The manager's handle, or null. */
  manager: string | null;
  /** IANA time zone, e.g. `Europe/London`. */
  timezone: string;
  /** Okta status at the start. */
  status: 'ACTIVE' | 'STAGED' | 'SUSPENDED' | 'DEPROVISIONED';
  /** Whether they have a Slack account and a Jira account. */
  slack: boolean;
  jira: boolean;
  /** Workspace owner in Slack, admin in Jira (Okta's super admin stays the seeded `Okta Admin`). */
  admin: boolean;
}

/** An Okta group, by name, with its members' handles. */
export interface CompanyGroup {
  name: string;
  description: string | null;
  members: string[];
}

/** A Slack channel with its members' handles. */
export interface CompanyChannel {
  name: string;
  private: boolean;
  topic: string;
  purpose: string;
  members: string[];
}

/** A Jira software project. */
export interface CompanyProject {
  key: string;
  name: string;
  description: string;
  /** The lead's handle. */
  lead: string;
  /** Handles in the project's Developers role. */
  members: string[];
}

/** A Jira issue in one of the company's projects. */
export interface CompanyIssue {
  project: string;
  summary: string;
  description: string;
  type: 'Task' | 'Bug' | 'Story' | 'Epic';
  status: 'To Do' | 'In Progress' | 'Done';
  assignee: string | null;
  reporter: string | null;
  labels: string[];
}

/** An app in Okta assigned to people and groups; `Slack` and `Jira` are the provisioning targets. */
export interface CompanyApp {
  label: string;
  /** Handles assigned directly. */
  people: string[];
  /** Group names assigned. */
  groups: string[];
}

/** Credentials the user chose instead of random ones (each twin's secret kinds). */
export interface CompanyCredentials {
  slack?: { botToken?: string; userToken?: string; signingSecret?: string };
  okta?: { apiToken?: string; password?: string };
  jira?: { apiToken?: string };
}

/** Cross-twin effects Okta has on the others, each switchable off. */
export interface CompanyProvisioning {
  /** Deactivating (or suspending) a person in Okta deactivates their Slack user while the Slack app is assigned to them. */
  slack: boolean;
  /** Jira accounts follow Okta: deactivated in Okta, inactive in Jira, while the Jira app is assigned to them. */
  jira: boolean;
}

/** A checked, defaulted company: what every twin's seed receives. */
export interface CompanyPlan {
  name: string;
  /** Email domain, e.g. `acme.test`. */
  domain: string;
  people: CompanyPerson[];
  groups: CompanyGroup[];
  channels: CompanyChannel[];
  projects: CompanyProject[];
  issues: CompanyIssue[];
  apps: CompanyApp[];
  credentials: CompanyCredentials;
  provisioning: CompanyProvisioning;
}
