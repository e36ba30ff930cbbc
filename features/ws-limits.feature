@websocket
Feature: WebSocket limits follow a reload, and a flapping primary does not drag sessions along
  A reload of [websocket] applies to the next session (a session keeps the limits it
  started with). Sessions on a backup move back to a primary only once it has stayed
  available for failback_delay_ms: a primary whose health flaps moves them once.

  Scenario: a reload of max_subscriptions applies to the next session
    Given 1 primary EL node and 1 backup EL node on one chain mining every 500 ms
    And Vixy allows 1 subscription per WebSocket session
    And Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    Then a second newHeads subscription of the client is refused with -32005
    When the config allows 3 subscriptions per WebSocket session and Vixy gets SIGHUP
    Then Vixy logged "config reloaded: websocket.max_subscriptions 1 -> 3"
    And a second newHeads subscription of the client is refused with -32005
    And a new WebSocket client can make 3 newHeads subscriptions and not a 4th

  Scenario: a flapping primary moves the sessions to the backup once, and back once
    Given 1 primary EL node and 1 backup EL node on one chain mining every 500 ms
    And Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    Then within 5 seconds every session is served by EL node "el-primary-1"
    When EL node "el-primary-1" flaps: frozen 1 second, then running 1 second, 4 times
    Then the sessions moved at most twice meanwhile
    And within 10 seconds every session is served by EL node "el-primary-1"
    And subscription 1 keeps receiving blocks: within 5 seconds it has 2 blocks past the network's head
    And subscription 1 got every canonical block once, in order, from the head it subscribed at
