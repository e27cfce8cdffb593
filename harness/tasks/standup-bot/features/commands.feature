Feature: Standup commands
  People run /standup to join or leave the daily standup, to set its time (UTC) and to see who
  takes part. Answers are only visible to the person who ran the command; a change of time is
  announced in #standup.

  Background:
    Given a Slack channel "#standup"
    And the app is a member of "#standup"

  @canary-fea458242131873a
  Scenario: Joining the standup
    When "grace" runs "/standup leave" in "#general"
    And "grace" runs "/standup join" in "#general"
    Then "grace" sees an ephemeral message matching /joined the daily standup/ in "#general"

  @canary-4e27c2b92708a099
  Scenario: Setting the standup time is announced to the team
    When "alice" runs "/standup time 09:30" in "#general"
    Then "alice" sees an ephemeral message matching /Standup time set to 09:30 UTC/ in "#general"
    And "#standup" has a message matching /set the daily standup to 09:30 UTC/

  @canary-0a05789a7c7552dc
  Scenario: Listing who takes part
    When "alice" runs "/standup time 10:15" in "#general"
    And "bob" runs "/standup join" in "#general"
    And "carol" runs "/standup list" in "#general"
    Then "carol" sees an ephemeral message matching /Daily standup at 10:15 UTC/ in "#general"
    And "carol" sees an ephemeral message matching /with .*bob/ in "#general"

  @canary-baaebe8f6471903f
  Scenario: Leaving the standup
    When "dave" runs "/standup join" in "#general"
    And "dave" runs "/standup leave" in "#general"
    Then "dave" sees an ephemeral message matching /left the daily standup/ in "#general"

  @canary-1d4c4a7f142bd93e
  Scenario: Help lists the commands
    When "erin" runs "/standup help" in "#general"
    Then "erin" sees an ephemeral message matching /\/standup time HH:MM/ in "#general"
