@subscriptions
Feature: newHeads, logs and filters without a gap, whatever the nodes do
  Vixy follows the chain itself and serves eth_subscribe("newHeads"), eth_subscribe("logs")
  and the eth_*Filter calls from it: every canonical block (and its matching logs) exactly
  once, in order, without a gap, across any node change within the head log's depth; on
  a reorg the new chain from the fork point, and for logs the removed ones again with
  "removed": true first. The nodes are one chain, mined in step every 500 ms by the
  test's network (a frozen or dead node misses its blocks and catches up when back).
  Clients record everything they receive, and it is checked against the chain.

  Scenario: the serving node frozen for 10 blocks
    Given 1 primary EL node and 1 backup EL node on one chain mining every 500 ms
    And Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    Then within 5 seconds every session is served by EL node "el-primary-1"
    When EL node "el-primary-1" is frozen for 10 blocks
    Then subscription 1 keeps receiving blocks: within 5 seconds it has 2 blocks past the network's head
    And subscription 1 got every canonical block once, in order, from the head it subscribed at
    And the client received nothing it did not ask for

  Scenario: the serving node killed
    Given 1 primary EL node and 1 backup EL node on one chain mining every 500 ms
    And Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    Then within 5 seconds every session is served by EL node "el-primary-1"
    When the network mines 2 blocks
    And EL node "el-primary-1" is killed
    And the network mines 8 blocks
    Then subscription 1 keeps receiving blocks: within 5 seconds it has 2 blocks past the network's head
    And subscription 1 got every canonical block once, in order, from the head it subscribed at
    And the client received nothing it did not ask for

  Scenario: the serving node drained through the admin API
    Given 1 primary EL node and 1 backup EL node on one chain mining every 500 ms
    And Vixy is running in front of them with an admin token
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    Then within 5 seconds every session is served by EL node "el-primary-1"
    When the network mines 2 blocks
    And EL node "el-primary-1" is drained through the admin API
    Then within 5 seconds every session is served by EL node "el-backup-1"
    When the network mines 4 blocks
    Then subscription 1 keeps receiving blocks: within 5 seconds it has 2 blocks past the network's head
    And subscription 1 got every canonical block once, in order, from the head it subscribed at
    And the client received nothing it did not ask for

  Scenario: fail-back to the recovered primary
    Given 1 primary EL node and 1 backup EL node on one chain mining every 500 ms
    And Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    And EL node "el-primary-1" is killed
    Then within 5 seconds every session is served by EL node "el-backup-1"
    When the network mines 4 blocks
    And EL node "el-primary-1" is restarted
    Then within 10 seconds every session is served by EL node "el-primary-1"
    When the network mines 4 blocks
    Then subscription 1 keeps receiving blocks: within 5 seconds it has 2 blocks past the network's head
    And subscription 1 got every canonical block once, in order, from the head it subscribed at
    And the client received nothing it did not ask for

  Scenario: a new node 5 blocks behind takes over the session
    Given 1 primary EL node and 1 backup EL node on one chain mining every 500 ms
    And Vixy takes EL nodes up to 8 blocks behind as healthy
    And Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    And a new EL node 5 blocks behind the others is added as "el-primary-2" and Vixy gets SIGHUP
    Then within 5 seconds EL node "el-primary-2" is healthy
    When EL node "el-primary-1" is killed
    Then within 5 seconds every session is served by EL node "el-primary-2"
    When the network mines 4 blocks
    And EL node "el-primary-2" catches up
    And the network mines 2 blocks
    Then subscription 1 keeps receiving blocks: within 5 seconds it has 2 blocks past the network's head
    And subscription 1 got every canonical block once, in order, from the head it subscribed at
    And the client received nothing it did not ask for

  Scenario: every node down for 3 seconds, then back: the missed blocks arrive in order
    Given 1 primary EL node and 1 backup EL node on one chain mining every 500 ms
    And Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    And the network mines 2 blocks
    And every EL node is frozen for 3 seconds
    Then subscription 1 keeps receiving blocks: within 5 seconds it has 2 blocks past the network's head
    And subscription 1 got every canonical block once, in order, from the head it subscribed at
    And the client received nothing it did not ask for

  Scenario: a 3-block reorg: newHeads from the fork point, removed logs, then the new chain's logs
    Given 1 primary EL node and 1 backup EL node on one chain mining every 500 ms
    And a contract that emits a log is deployed on every node
    And Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    And the client subscribes to the contract's logs with id 2
    And the network mines 3 blocks with a log each, then replaces them by 3 blocks with 2, 1 and 0 logs
    Then subscription 1 keeps receiving blocks: within 5 seconds it has 2 blocks past the network's head
    And subscription 1 got the old chain up to the reorg, then the new chain from the fork point, each block once
    And subscription 2 got the 3 old logs, then the same logs with removed true, then the 3 new logs, each once
    And the client received nothing it did not ask for

  Scenario: a polling filter client over HTTP misses no log across a node kill
    Given 1 primary EL node and 1 backup EL node on one chain mining every 500 ms
    And a contract that emits a log is deployed on every node
    And Vixy is running in front of them
    When every block carries a log of the contract
    And an HTTP client installs a filter for the contract's logs through /el and polls it every 200 ms
    And the network mines 3 blocks
    And EL node "el-primary-1" is killed
    And the network mines 6 blocks
    And blocks carry no more logs
    And the network mines 2 blocks
    Then every poll of the filter was answered with a result
    And the filter returned every log of the contract since it was installed once, in order

  Scenario: filters under round-robin routing
    Given 2 primary EL nodes and 0 backup EL nodes on one chain mining every 500 ms
    And a contract that emits a log is deployed on every node
    And Vixy routes EL requests round robin
    And Vixy is running in front of them
    When an HTTP client installs a filter for the contract's logs through /el
    And 10 times a block with a log is mined and the client calls eth_getFilterChanges
    Then every poll of the filter was answered with a result
    And the filter returned every log of the contract since it was installed once, in order

  Scenario: a node that closes every WebSocket with 1000 right after it opens
    Given 1 primary EL node and 1 backup EL node on one chain mining every 500 ms
    And EL node "el-primary-1" closes every WebSocket with code 1000 right after it opens
    And Vixy is running in front of them
    And a WebSocket client connected to "/el/ws"
    When the client subscribes to newHeads with id 1
    And the network mines 10 blocks
    Then EL node "el-primary-1" got fewer than 20 WebSocket connections in the last 5 seconds
    And the client gets eth_blockNumber answered with a result
    And subscription 1 keeps receiving blocks: within 5 seconds it has 2 blocks past the network's head
    And subscription 1 got every canonical block once, in order, from the head it subscribed at
    And the client received nothing it did not ask for

  Scenario: a node whose WebSocket upgrade hangs while its HTTP works
    Given 1 primary EL node and 1 backup EL node on one chain mining every 500 ms
    And EL node "el-primary-1" leaves every WebSocket upgrade unanswered
    And Vixy is running in front of them
    Then 3 new WebSocket clients, one after the other, each get eth_blockNumber answered within 1 second of connecting
    And a new WebSocket client subscribed to newHeads gets its first block within 2 seconds

  Scenario: 2,000 sessions subscribed to newHeads share 2 connections per node
    Given 1 primary EL node and 1 backup EL node on one chain mining every 1 second
    And Vixy reaches the WebSocket of every EL node through a counting front
    And Vixy is running in front of them
    When 2000 WebSocket clients connect to "/el/ws", 200 at a time, and subscribe to newHeads
    Then every one of the 2000 clients receives a notification within 5 seconds
    And no EL node has more than 2 established TCP connections on its WebSocket front
    And vixy_ws_upstream_connections is between 1 and 2 for every EL node
