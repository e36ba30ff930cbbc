@websocket
Feature: WebSocket sessions on /el/ws survive node failure
  Each client of /el/ws gets a session pointed at a node. When the serving node dies,
  the session moves to another node, keeps every subscription under the ids the client
  already has, and answers every request; when a primary is healthy again, the session
  moves back to it. One scenario for each test gap of the Rust original's incident
  (reference/004): the client only ever sees answers to its own requests and
  notifications of its own subscriptions. The nodes are one chain; Vixy's metrics tell
  which node answered a call.

  Background:
    Given 1 primary EL node and 1 backup EL node on one chain mining every 1 second

  Scenario: regular requests work after a reconnect (gap 1)
    Given Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    And the client calls eth_chainId with id 2
    Then the answer to 2 comes from EL node "el-primary-1"
    When EL node "el-primary-1" is killed
    And the client calls eth_chainId with id 3
    Then the answer to 3 comes from EL node "el-backup-1"
    And subscription 1 receives a notification within 3 seconds
    And the client received nothing it did not ask for

  Scenario: several subscriptions are kept across a switch under their original ids (gap 2)
    Given Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    And the client subscribes to newHeads with id 2
    And the client subscribes to logs with id 3
    And the client subscribes to newPendingTransactions with id 4
    And EL node "el-primary-1" is killed
    And a transaction that emits a log is sent to EL node "el-backup-1"
    Then subscriptions 1, 2, 3 and 4 each receive a notification within 4 seconds
    And the client received nothing it did not ask for

  Scenario: a request id reused after a switch gets its own answer (gap 3)
    Given Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 100
    And EL node "el-primary-1" is killed
    And subscription 100 receives a notification within 3 seconds
    And the client calls eth_blockNumber with id 100
    Then the client gets exactly 2 answers with id 100: the subscription and a block number
    And the client received nothing it did not ask for

  Scenario: hundreds of requests after a switch are all answered (gap 4)
    Given Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    And EL node "el-primary-1" is killed
    And the client sends 500 eth_chainId requests, 50 at a time
    Then all of them are answered by EL node "el-backup-1"
    And the client received nothing it did not ask for

  Scenario: requests sent during the switch window are all answered (gap 5)
    Given Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    And the client starts sending eth_blockNumber every 5 ms
    And EL node "el-primary-1" is killed
    And the client keeps sending for 2 seconds
    And the client stops sending
    Then every request of the client was answered with a result
    And the client received nothing it did not ask for

  Scenario: the session fails back to the primary when it recovers (gap 6)
    Given Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    And EL node "el-primary-1" is killed
    Then within 5 seconds every session is served by EL node "el-backup-1"
    When EL node "el-primary-1" is restarted
    Then within 10 seconds every session is served by EL node "el-primary-1"
    And subscription 1 receives a notification within 3 seconds
    And the client calls eth_chainId with id 2
    And the answer to 2 comes from EL node "el-primary-1"
    And the client received nothing it did not ask for

  Scenario: many concurrent clients move through a switch (gap 7)
    Given Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When 50 more WebSocket clients connect to "/el/ws" and subscribe to newHeads
    And EL node "el-primary-1" is killed
    Then within 5 seconds every session is served by EL node "el-backup-1"
    And every one of the 50 clients receives a notification within 4 seconds
    And every one of the 50 clients gets eth_chainId answered by EL node "el-backup-1"

  Scenario: eth_unsubscribe with the original id works after switches
    Given Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    And EL node "el-primary-1" is killed
    Then within 5 seconds every session is served by EL node "el-backup-1"
    When EL node "el-primary-1" is restarted
    Then within 10 seconds every session is served by EL node "el-primary-1"
    When the client unsubscribes subscription 1 with id 2
    Then the answer to 2 is true
    And subscription 1 receives no notification for 3 seconds
    When the client unsubscribes subscription 1 with id 3
    Then the answer to 3 is false
    And the client received nothing it did not ask for

  Scenario: a wss:// upstream with a self-signed certificate
    Given a TLS terminator with a self-signed certificate in front of EL node "el-primary-1"
    And Vixy is running in front of them, reaching that node through TLS
    And a WebSocket client connected to "/el/ws/"
    When the client subscribes to newHeads with id 1
    And the client calls eth_chainId with id 2
    Then the answer to 2 comes from EL node "el-primary-1"
    And subscription 1 receives a notification within 3 seconds
    When EL node "el-primary-1" is killed
    Then within 5 seconds every session is served by EL node "el-backup-1"
    And subscription 1 receives a notification within 3 seconds
    And the client received nothing it did not ask for
