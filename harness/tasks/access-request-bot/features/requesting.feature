Feature: Asking for access with /access
  Someone runs /access with the name of an Okta app or group and, if they like, a reason. The bot
  opens a request in the Jira project ACC, reported by them, and answers them with its key.

  Background:
    Given an Okta user "zoe.quinn@acme.test"
    And a Slack user "zoe.quinn@acme.test"
    And a Jira user "zoe.quinn@acme.test"
    And a Jira project "ACC"
    And an Okta app "Payroll"

  @canary-458e5c5b457d2c84
  Scenario: A request opens a Jira issue and answers with its key
    When "zoe.quinn" runs "/access Payroll to run the monthly payroll" in "#general"
    Then within 15 seconds "zoe.quinn" sees an ephemeral message matching /^Your request ACC-1 is open: access to Payroll\./ in "#general"
    And the Jira issues matching "project = ACC AND summary ~ \"Access to Payroll for Zoe Quinn\"" are "ACC-1"

  @canary-3ddb5d922b2ef0dc
  Scenario: The request is reported by the requester and labelled as a request
    When "zoe.quinn" runs "/access Payroll" in "#general"
    Then within 15 seconds the Jira issues matching "project = ACC AND reporter = \"zoe.quinn@acme.test\" AND labels = access-request" are "ACC-1"

  @canary-7c44535db8ddbc11
  Scenario: The reason is written in the request
    When "zoe.quinn" runs "/access Payroll to run the monthly payroll" in "#general"
    Then within 15 seconds the Jira issues matching "project = ACC AND description ~ \"run the monthly payroll\"" are "ACC-1"

  @canary-ba41dec424ec7f50
  Scenario: A request for an Okta group names the group
    Given an Okta group "Contractors"
    When "zoe.quinn" runs "/access Contractors for the vendor portal" in "#general"
    Then within 15 seconds "zoe.quinn" sees an ephemeral message matching /^Your request ACC-1 is open: access to Contractors\./ in "#general"
    And the Jira issues matching "project = ACC AND summary ~ \"Access to Contractors for Zoe Quinn\"" are "ACC-1"

  @canary-eeeec8dd0e060c1a
  Scenario: An app whose name has several words
    Given an Okta app "Expense Reports"
    When "zoe.quinn" runs "/access Expense Reports before the offsite" in "#general"
    Then within 15 seconds the Jira issues matching "project = ACC AND summary ~ \"Access to Expense Reports for Zoe Quinn\"" are "ACC-1"
    And the Jira issues matching "project = ACC AND description ~ \"before the offsite\"" are "ACC-1"
