Feature: Taking a leaver out of Slack and telling IT
  When Okta deactivates someone, the app removes them from the Slack channels they are in (found in
  Slack by email; #general stays as it is) and posts one summary of what it did in #it-ops.

  Background:
    Given an Okta user "zoe.quinn@acme.test"
    And a Slack user "zoe.quinn@acme.test"
    And a Jira user "zoe.quinn@acme.test"
    And an Okta user "yuri.tan@acme.test"
    And a Jira user "yuri.tan@acme.test"
    And "zoe.quinn"'s Okta manager is "yuri.tan"
    And a Slack channel "#it-ops"
    And the app is a member of "#it-ops"
    And a Slack channel "#platform"
    And the app is a member of "#platform"
    And "zoe.quinn" is a member of "#platform"

  @canary-270762dcc74a018f
  Scenario: The leaver is removed from the channels they were in
    Given a Slack channel "#design"
    And the app is a member of "#design"
    And "zoe.quinn" is a member of "#design"
    When an Okta admin deactivates "zoe.quinn"
    Then within 15 seconds "zoe.quinn" is out of "#platform"
    And within 10 seconds "zoe.quinn" is out of "#design"

  @canary-d0566337471e0a71
  Scenario: A private channel the bot is in is left too
    Given a private Slack channel "#launch-plans"
    And "zoe.quinn" is a member of "#launch-plans"
    And the app is a member of "#launch-plans"
    When an Okta admin deactivates "zoe.quinn"
    Then within 15 seconds "zoe.quinn" is out of "#launch-plans"

  @canary-ce469b4612b3c45c
  Scenario: #general is left alone
    When an Okta admin deactivates "zoe.quinn"
    Then within 15 seconds "zoe.quinn" is out of "#platform"
    And for 2 seconds "zoe.quinn" stays a member of "#general"

  @canary-97ae9540cd1ab913
  Scenario: A summary in #it-ops says what was done
    Given a Jira project "PLAT"
    And a Jira issue "PLAT-1" "Rotate the API keys" in "PLAT" with:
      | assignee | zoe.quinn |
    When an Okta admin deactivates "zoe.quinn"
    Then within 15 seconds "#it-ops" has a message matching /^Offboarded Zoe Quinn \(zoe\.quinn@acme\.test\)/
    And "#it-ops" has a message matching /Slack: removed from #platform/
    And "#it-ops" has a message matching /Jira: PLAT-1 → Yuri Tan/
