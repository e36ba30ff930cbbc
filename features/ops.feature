@ops
Feature: Operations on a running devnet: drain, reload, graceful shutdown
  An operator drains a node, reloads the config or stops Vixy while clients are
  busy; the clients see no error.

  Scenario: draining a primary under HTTP load and an open WebSocket session costs no client an error
    Given 2 primary EL nodes and 0 backup EL nodes mining every 1 second
    And Vixy is running in front of them with an admin token
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    And the client starts sending eth_blockNumber every 5 ms
    And 8 HTTP clients keep calling eth_chainId through /el
    And the HTTP clients have run for 1 second
    And EL node "el-primary-1" is drained through the admin API
    And the HTTP clients have run for 3 seconds
    And the client stops sending
    Then every call of the HTTP clients was answered with a result
    And the last calls of the HTTP clients were answered by EL node "el-primary-2"
    And every request of the client was answered with a result
    And the client received nothing it did not ask for

  Scenario: a reload adds a node that then serves
    Given 1 primary EL node
    And Vixy is running in front of them
    Then eth_chainId through /el is answered by EL node "el-primary-1"
    When a new EL node is added first among the primaries and Vixy gets SIGHUP
    Then within 5 seconds eth_chainId through /el is answered by EL node "el-primary-1"
    And Vixy logged "config reloaded: el node el-primary-1 changed"

  Scenario: SIGTERM lets requests in flight finish, then Vixy exits 0
    Given 1 primary EL node
    And Vixy is running in front of them
    When EL node "el-primary-1" is frozen
    And 5 eth_chainId calls are in flight through /el
    And I send SIGTERM to Vixy
    And EL node "el-primary-1" is thawed after 1 second
    Then the 5 calls in flight were answered with a result
    And Vixy exits with code 0 within 10 seconds

  Scenario: SIGTERM under load with a shutdown delay loses no request and exits right after the drain
    Given 1 primary EL node
    And Vixy is running in front of them with shutdown_delay_ms 2000 and shutdown_grace_ms 30000
    When 8 clients keep calling eth_chainId through /el until 1 second after readiness turns 503
    And Vixy gets SIGTERM after the clients have run for 1 second
    Then every call of the clients was answered with a result, also those sent after SIGTERM
    And Vixy exits with code 0 after its shutdown delay of 2000 ms and within 12 seconds of SIGTERM

  Scenario: requests in flight at SIGTERM finish, and their kept-alive connections do not hold the exit
    Given 1 primary EL node
    And Vixy is running in front of them with shutdown_delay_ms 0 and shutdown_grace_ms 30000
    When EL node "el-primary-1" is frozen
    And 5 eth_chainId calls are in flight through /el
    And Vixy gets SIGTERM
    And EL node "el-primary-1" is thawed after 1 second
    Then the 5 calls in flight were answered with a result
    And Vixy exits with code 0 after its shutdown delay of 0 ms and within 10 seconds of SIGTERM

  Scenario: at debug level every proxied call is logged with a request id
    Given 1 primary EL node
    And Vixy is running in front of them with LOG_LEVEL debug
    When eth_chainId is posted to /el with X-Request-Id "abc-123"
    Then Vixy logged "POST /el" with "request_id=abc-123, status=200"
