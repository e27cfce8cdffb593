Feature: The daily reminder
  At the standup time, on Slack's clock, the app posts the day's header in #standup and sends each
  participant a direct message asking for their update.

  Background:
    Given a Slack channel "#standup"
    And the app is a member of "#standup"

  @canary-e788118b507e9bfa
  Scenario: Participants are reminded at the standup time, not before
    When "bob" runs "/standup join" in "#general"
    And "alice" runs "/standup time 09:30" in "#general"
    Then for 1 second "bob" gets no direct message
    When 1 day passes
    Then "bob" gets a direct message matching /Time for standup/
    And "#standup" has a message matching /Daily standup/
