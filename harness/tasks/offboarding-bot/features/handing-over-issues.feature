Feature: Handing a leaver's open Jira issues over to their manager
  When Okta deactivates someone, their open Jira issues go to their manager in Okta (found in Jira
  by email), each with a comment saying why; in-progress ones go back to To Do. Without a manager
  the issues are unassigned.

  Background:
    Given an Okta user "zoe.quinn@acme.test"
    And a Slack user "zoe.quinn@acme.test"
    And a Jira user "zoe.quinn@acme.test"
    And an Okta user "yuri.tan@acme.test"
    And a Jira user "yuri.tan@acme.test"
    And a Slack channel "#it-ops"
    And the app is a member of "#it-ops"
    And a Jira project "PLAT"

  @canary-d6705ee980aa938b
  Scenario: An open issue goes to the leaver's manager with a comment
    Given "zoe.quinn"'s Okta manager is "yuri.tan"
    And a Jira issue "PLAT-1" "Rotate the API keys" in "PLAT" with:
      | assignee | zoe.quinn |
    When an Okta admin deactivates "zoe.quinn"
    Then within 15 seconds the Jira issue "PLAT-1" is assigned to "yuri.tan"
    And the Jira issue "PLAT-1" has a comment containing "Zoe Quinn was offboarded"
    And the Jira issue "PLAT-1" has a comment containing "reassigned to Yuri Tan"

  @canary-8d88f3efe4ea90db
  Scenario: Every open issue of the leaver is handed over
    Given "zoe.quinn"'s Okta manager is "yuri.tan"
    And a Jira issue "PLAT-1" "Rotate the API keys" in "PLAT" with:
      | assignee | zoe.quinn |
    And a Jira issue "PLAT-2" "Upgrade the load balancer" in "PLAT" with:
      | assignee | zoe.quinn |
    When an Okta admin deactivates "zoe.quinn"
    Then within 15 seconds the Jira issue "PLAT-1" is assigned to "yuri.tan"
    And within 10 seconds the Jira issue "PLAT-2" is assigned to "yuri.tan"
    And the Jira issue "PLAT-2" has a comment containing "reassigned to Yuri Tan"

  @canary-ca6a5d06b4adeccc
  Scenario: An issue in progress goes back to To Do
    Given "zoe.quinn"'s Okta manager is "yuri.tan"
    And a Jira issue "PLAT-1" "Migrate the build cache" in "PLAT" with:
      | assignee | zoe.quinn   |
      | status   | In Progress |
    When an Okta admin deactivates "zoe.quinn"
    Then within 15 seconds the Jira issue "PLAT-1" has status "To Do"
    And within 10 seconds the Jira issue "PLAT-1" is assigned to "yuri.tan"

  @canary-7716e1744c2729f7
  Scenario: Without a manager in Okta the issues are unassigned
    Given a Jira issue "PLAT-1" "Rotate the API keys" in "PLAT" with:
      | assignee | zoe.quinn |
    When an Okta admin deactivates "zoe.quinn"
    Then within 15 seconds the Jira issue "PLAT-1" is unassigned
    And within 10 seconds the Jira issue "PLAT-1" has a comment containing "unassigned"
