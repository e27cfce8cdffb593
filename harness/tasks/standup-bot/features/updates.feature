Feature: Updates go into the day's thread
  A participant answers the reminder in their DM with the app; the app thanks them and posts the
  update as a reply in the thread of the day's header in #standup, one reply per person.

  Background:
    Given a Slack channel "#standup"
    And the app is a member of "#standup"
    And "bob" runs "/standup join" in "#general"
    And "carol" runs "/standup join" in "#general"
    And "alice" runs "/standup time 09:30" in "#general"

  @canary-8d7134a3153f2911
  Scenario: An update is posted in the day's thread
    When 1 day passes
    And "bob" gets a direct message matching /Time for standup/
    And "bob" sends the app a direct message saying "Yesterday: fixed the login bug. Today: release notes. No blockers."
    Then the message matching /Daily standup/ in "#standup" has a reply matching /fixed the login bug/
    And "bob" gets a direct message matching /Thanks/

  @canary-3998c0fa2bc073ec
  Scenario: Everyone's update goes into the same thread
    When 1 day passes
    And "carol" gets a direct message matching /Time for standup/
    And "bob" sends the app a direct message saying "Yesterday: reviewed the billing PR. Today: on call."
    And "carol" sends the app a direct message saying "Yesterday: wrote the migration. Today: run it. Blocked on DB access."
    Then the message matching /Daily standup/ in "#standup" has a reply matching /reviewed the billing PR/
    And the message matching /Daily standup/ in "#standup" has a reply matching /Blocked on DB access/
