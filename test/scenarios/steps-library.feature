Feature: The step library's less travelled steps, against the sample app
  Steps the sample app's own features do not use, so that each works end to end.

  Scenario: Arrange steps compose, and the clock may jump ahead
    Given a Slack user "zoe"
    And "frank" is deactivated
    And a private Slack channel "#secret"
    And "zoe" is a member of "#secret"
    And the app is a member of "#secret"
    And the time is "2031-01-06T09:00:00Z"
    When "zoe" posts "incident: secret thing broke" in "#secret"
    Then the message matching "secret thing" in "#secret" has a reply matching /Logged INC-\d+/

  Scenario: The clock is back on wall time, and an app not in a channel hears nothing there
    Given the app is not a member of "#ops"
    When "alice" posts "incident: nobody hears this" in "#ops"
    Then for 1 second the message matching "nobody hears this" in "#ops" has no reply

  Scenario: A Slack error until Slack recovers
    Given Slack answers "chat.postMessage" with the error "fatal_error"
    When "alice" mentions the app in "#ops" saying "status"
    Then for 1 second "#ops" has no message matching /operational/
    When Slack recovers
    And "alice" mentions the app in "#ops" saying "status again"
    Then "#ops" has a message matching /operational/

  Scenario: Narrowed scopes, a set events URL, and slow answers
    Given the app's events URL is "/slack/events"
    And the app's bot has only the scopes "chat:write channels:history"
    And Slack answers "chat.postMessage" 1 second late
    When "heidi" joins "#ops"
    And "bob" replies "incident: replica lag" to the last message in "#ops"
    Then within 5 seconds the app calls "chat.postMessage" with thread_ts matching /^\d+\.\d+$/
    And for 500 ms the app never calls "chat.delete"

  Scenario: A click carrying its own value, and a DM the app never sends
    Given a Slack channel "#tickets"
    When "alice" runs "/ticket keyboard sticky" in "#ops"
    And "bob" clicks "take_ticket" with the value "TCK-999" on the app's last message in "#tickets"
    Then "#tickets" has a message matching /TCK-999 taken by/
    And for 500 ms "bob" gets no direct message

  Scenario: Membership that ends or holds, and messages counted in a channel
    When "bob" leaves "#ops"
    And "alice" mentions the app in "#ops" saying "status"
    Then "bob" is out of "#ops"
    And for 500 ms "carol" stays a member of "#ops"
    And "#ops" has exactly 1 message matching /operational/
    And for 500 ms "#ops" has at most 1 message matching /operational/
