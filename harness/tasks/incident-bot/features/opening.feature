Feature: Opening an incident from #ops
  Anyone in #ops opens an incident by writing "incident:" and a title, or by reacting to a message
  with :rotating_light:. The bot opens a numbered channel #inc-<n>-<slug>, brings the reporter in,
  and starts it with a summary of the incident.

  @canary-cca88584328f3835
  Scenario: A report in #ops opens an incident channel with the reporter in it
    When "alice" posts "incident: checkout is down" in "#ops"
    Then a channel matching /^inc-\d+-checkout-is-down$/ exists
    And "alice" is a member of the channel matching /^inc-\d+-checkout-is-down$/
    And the app is a member of the channel matching /^inc-\d+-checkout-is-down$/

  @canary-2719d7bd83bb8a68
  Scenario: The incident channel starts with a summary of the report
    When "bob" posts "Incident: Search results are empty" in "#ops"
    Then the channel matching /^inc-\d+-search-results-are-empty$/ has a message matching /INC-\d+: Search results are empty/
    And the channel matching /^inc-\d+-search-results-are-empty$/ has a message matching /\/incident close/

  @canary-81051f3450397064
  Scenario: A rotating light on a message opens an incident for it
    Given "bob" has already posted "payments API returns 502s" in "#ops"
    When "carol" reacts with ":rotating_light:" to the message matching "502s" in "#ops"
    Then a channel matching /^inc-\d+-payments-api-returns-502s$/ exists
    And "carol" is a member of the channel matching /^inc-\d+-payments-api-returns-502s$/
    And "bob" is a member of the channel matching /^inc-\d+-payments-api-returns-502s$/
