// The commented example company file `twins init` writes: every part of the format, small enough to read in a minute.

/** A company file that passes the schema, with a comment on each part (test/company checks it loads). */
export const EXAMPLE_COMPANY_YAML = `# A company across the twins: the same people in the Okta org, the Slack workspace and the Jira site.
# Start the twins with it:   twins up --company company.yaml
# Format: docs/company.md; schema: schemas/company.schema.json (editors: add the line below).
# yaml-language-server: $schema=./node_modules/saas-twins/schemas/company.schema.json

name: Acme Robotics
# Email domain of everyone below (default: the name as a slug + .test).
domain: acme.test

# Okta's effects on the other twins, each on by default:
#   slack: deactivating (or suspending) someone in Okta deactivates their Slack user (SCIM),
#          while the Okta app "Slack" is assigned to them; reactivating brings them back.
#   jira:  Jira accounts follow Okta the same way, while the Okta app "Jira" is assigned.
provisioning:
  slack: true
  jira: true

# People: steps and the rest of this file refer to them by handle (default: first name, lower case).
# Each is in Okta, Slack and Jira unless slack: false / jira: false. status: active (default),
# staged, suspended or deactivated (Okta's status; Slack users of the last two start deactivated).
people:
  - name: Alice Adams
    title: VP Engineering
    department: Platform
    timezone: Europe/London
    admin: true                 # Slack workspace owner, Jira admin (JIRA_EMAIL)
  - name: Bob Brown
    title: Senior Engineer
    department: Platform
    manager: alice              # Okta's manager (name) and managerId (id)
    timezone: America/New_York
  - name: Carol Chen
    title: Engineer
    department: Platform
    manager: alice
    timezone: Asia/Tokyo
  - name: Dave Diaz
    title: Support Lead
    department: Support
    manager: alice
    timezone: Europe/Berlin
  - name: Erin Evans
    title: Support Engineer
    department: Support
    manager: dave
    jira: false                 # no Jira account
  - name: Frank Fisher
    title: Contractor
    department: Platform
    status: deactivated

# Okta groups (default: one per department). members defaults to the department of that name.
groups:
  - name: Platform
    description: The platform team
  - name: Support
    description: Customer support
  - name: On-call
    members: [bob, carol]

# Slack channels besides #general and #random (default: one per group). group: its members join.
channels:
  - name: platform
    group: Platform
    topic: Deploys and reviews
  - name: support
    group: Support
  - name: incidents
    members: [alice, bob, dave]
  - name: leadership
    private: true
    members: [alice, dave]

# Jira projects (default: one per group). The first is JIRA_PROJECT_KEY.
projects:
  - key: PLAT
    name: Platform
    lead: alice
    group: Platform
  - key: SUP
    name: Support
    lead: dave
    group: Support

issues:
  - project: PLAT
    summary: Rotate the deploy keys
    type: Task
    status: In Progress
    assignee: bob
    reporter: alice
  - project: PLAT
    summary: Login returns 500 under load
    type: Bug
    assignee: carol
    labels: [incident]
  - project: SUP
    summary: Refund request backlog
    assignee: dave

# Apps in Okta and who is assigned (default: Slack and Jira, each to Everyone).
apps:
  - label: Slack
    groups: [Everyone]
  - label: Jira
    groups: [Platform, Support]

# Credentials you choose instead of random ones (leave out for random ones, the safer default):
# credentials:
#   slack: { botToken: xoxb-..., signingSecret: <32 hex> }
#   okta:  { apiToken: ..., password: ... }
#   jira:  { apiToken: ... }
`;
