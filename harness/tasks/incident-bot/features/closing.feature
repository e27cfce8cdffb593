Feature: Closing an incident
  /incident close [resolution], run in the incident's own channel, records the resolution there
  and in the thread summary in #ops, and archives the channel.

  @canary-9ef63e36c8574a62
  Scenario: Closing posts the resolution and archives the channel
    When "alice" posts "incident: checkout is down" in "#ops"
    And "alice" runs "/incident close rolled back the deploy" in the channel matching /^inc-\d+-checkout-is-down$/
    Then the channel matching /^inc-\d+-checkout-is-down$/ has a message matching /resolved.*rolled back the deploy/
    And the channel matching /^inc-\d+-checkout-is-down$/ is archived

  @canary-5387be545e2c02d5
  Scenario: The thread summary shows the incident resolved
    When "bob" posts "incident: builds are failing" in "#ops"
    And "bob" runs "/incident close reverted the runner image" in the channel matching /^inc-\d+-builds-are-failing$/
    Then the message matching "builds are failing" in "#ops" has a reply matching /Status: resolved/
    And the message matching "builds are failing" in "#ops" has a reply matching /reverted the runner image/
