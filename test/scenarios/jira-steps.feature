Feature: The Jira steps, against a small Jira app
  The app triages issues whose summary says "incident" (a comment and the label "triaged") and
  closes an issue when a new comment says "/done". Every Jira step is used at least once here.

  Scenario: A new incident is triaged by the app
    Given a Jira project "SUP"
    And a Jira user "zoe"
    And a Jira issue "SUP-1" "Printer on fire" in "SUP"
    When "zoe" creates a Jira issue "SUP-7" "incident: checkout is down" in "SUP"
    Then the app received a Jira webhook "jira:issue_created" for "SUP-7"
    And the Jira issue "SUP-7" has a comment by "the app" containing "on it"
    And the Jira issue "SUP-7" has the label "triaged"
    And the app called Jira "addComment"
    And the app called Jira "addComment" on "SUP-7"
    And the Jira issues matching "project = SUP AND labels = triaged" are "SUP-7"
    And the Jira issues matching "project = SUP ORDER BY key DESC" are "SUP-7, SUP-1"
    And for 500 ms the Jira issue "SUP-1" has no comment containing "on it"
    And for 500 ms the app received no Jira webhook "jira:issue_created" for "SUP-1"

  Scenario: Arranged issues are history; a comment saying /done closes the issue
    Given a Jira issue "OPS-1" "Login page times out" in "OPS" with:
      | status   | In Progress |
      | assignee | bob         |
      | labels   | web, p2     |
      | type     | Bug         |
    Then the Jira issue "OPS-1" has status "In Progress"
    And the Jira issue "OPS-1" is assigned to "bob"
    And the Jira issue "OPS-1" has the label "p2"
    And the Jira issues matching "key = OPS-1 AND type = Bug" are "OPS-1"
    And for 500 ms the app never called Jira "createIssue"
    When "bob" comments on "OPS-1": "fixed in 1.2, /done"
    Then within 10 seconds the app received a Jira webhook "comment_created" for "OPS-1"
    And the Jira issue "OPS-1" has status "Done"
    And the Jira issue "OPS-1"'s history shows "status" changed from "In Progress" to "Done"
    And the app called Jira "doTransition" on "OPS-1"
    And for 300 ms the Jira issue "OPS-1" has no comment containing "fixed in 1.2"

  Scenario: People act on an issue, and its history shows it
    Given a Jira issue "OPS-2" "Flaky deploys" in "OPS"
    And the Jira issue "OPS-2" is "In Progress"
    And the Jira issue "OPS-2" is already assigned to "alice"
    And the Jira issue "OPS-2" has already been commented on by "carol": "seen this before"
    When "alice" assigns "OPS-2" to "carol"
    And "carol" adds the label "ci" to "OPS-2"
    And "carol" removes the label "ci" from "OPS-2"
    And "carol" moves "OPS-2" to the sprint "OPS Sprint 1"
    And "carol" changes the summary of "OPS-2" to "Flaky deploys on Fridays"
    And "alice" unassigns "OPS-2"
    And "dave" transitions "OPS-2" to "Done"
    And "alice" creates a Jira issue "Database is down" in "OPS"
    Then the Jira issue "OPS-2" is unassigned
    And the Jira issue "OPS-2" has status "Done"
    And the Jira issue "OPS-2"'s history shows "assignee" changed to "Carol Chen"
    And the Jira issue "OPS-2"'s history shows "labels" changed to "ci"
    And the Jira issue "OPS-2"'s history shows "summary" changed from "Flaky deploys" to "Flaky deploys on Fridays"
    And the Jira issue "OPS-2"'s history shows "Sprint" changed to "OPS Sprint 1"
    And the app received a Jira webhook "jira:issue_updated" for "OPS-2"
    And the Jira issue "Database is down" has status "To Do"
    And the Jira issues matching "summary ~ Fridays" are "OPS-2"
    And for 300 ms the Jira issue "OPS-2" has no label "ci"
    And for 300 ms no Jira issue matches "labels = ci"
    And for 300 ms the Jira issue "OPS-2" has no comment containing "seen this before"

  Scenario: A transition Jira refuses leaves the issue where it was; a webhook again and a forged one change nothing
    Given a Jira issue "OPS-9" "Disk fills up at night" in "OPS"
    And Jira refuses "doTransition" with HTTP 400
    When "bob" comments on "OPS-9": "/done"
    Then the app called Jira "doTransition" on "OPS-9"
    And the Jira issue "OPS-9" has status "To Do"
    When "carol" adds the label "ops" to "OPS-9"
    And Jira delivers the webhook of the last "labels" change to "OPS-9" again
    And a Jira webhook with a wrong signature says "carol" added the label "approved" to "OPS-9"
    Then the Jira issue "OPS-9" has the label "ops"
    And for 500 ms the Jira issue "OPS-9" has no label "approved"
