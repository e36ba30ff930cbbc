@http
Feature: HTTP proxy: EL JSON-RPC and the CL beacon API
  Vixy answers POST /el with a healthy EL node and ANY /cl/* with a healthy beacon
  node. Failures of a node are retried on another one, so that clients do not see
  them; backups serve only while no primary can; per-node rate limits spill to the
  other nodes before clients are told to slow down. Every EL node has its own chain
  id (primaries 1001, 1002...; backups 2001...), so eth_chainId tells who answered.

  Scenario: single calls and batches reach the first healthy primary
    Given 2 primary EL nodes
    And Vixy is running in front of them
    Then eth_chainId through /el is answered by EL node "el-primary-1"
    And eth_blockNumber through /el answers the block number of EL node "el-primary-1"
    And a batch of 3 calls through /el is answered call for call by EL node "el-primary-1"
    And admin_peers through /el is refused with HTTP 403 and JSON-RPC error -32601
    And invalid JSON posted to /el is refused with HTTP 400 and JSON-RPC error -32700

  Scenario: a primary killed under steady load costs the clients nothing
    Given 2 primary EL nodes
    And Vixy is running in front of them
    When 8 HTTP clients keep calling eth_chainId through /el
    And the HTTP clients have run for 1 second
    And EL node "el-primary-1" is killed
    And the HTTP clients have run for 3 seconds
    Then every call of the HTTP clients was answered with a result
    And the last calls of the HTTP clients were answered by EL node "el-primary-2"

  Scenario: a frozen primary under load costs the clients nothing but time
    Given 2 primary EL nodes
    And Vixy gives up on a node after 1000 ms
    And Vixy is running in front of them
    When 8 HTTP clients keep calling eth_chainId through /el
    And the HTTP clients have run for 1 second
    And EL node "el-primary-1" is frozen
    And the HTTP clients have run for 4 seconds
    Then every call of the HTTP clients was answered with a result
    And the last calls of the HTTP clients were answered by EL node "el-primary-2"

  Scenario: backups serve only while no primary can, and a primary back serves again
    Given 2 primary EL nodes and 1 backup EL node
    And Vixy is running in front of them
    When EL node "el-primary-1" is killed
    And EL node "el-primary-2" is killed
    Then eth_chainId through /el is answered by EL node "el-backup-1"
    When EL node "el-primary-2" is restarted
    Then within 5 seconds eth_chainId through /el is answered by EL node "el-primary-2"

  Scenario: rate limits spill to the other primary, then Vixy answers 429
    Given 2 primary EL nodes
    And Vixy is running in front of them with each EL node limited to 1 request per second in bursts of 3
    When 7 eth_chainId calls are sent to /el one after another
    Then 3 of them were answered by EL node "el-primary-1"
    And 3 of them were answered by EL node "el-primary-2"
    And 1 of them was refused with HTTP 429, JSON-RPC error -32005 and a Retry-After header

  Scenario: the beacon API through Vixy, SSZ and the head event stream included
    Given 1 primary EL node
    And a beacon node
    And Vixy is running in front of them
    Then GET /cl/eth/v1/node/version through Vixy answers as the beacon node does
    And the genesis state through Vixy as SSZ is byte for byte the beacon node's
    And the head event stream through Vixy delivers 2 head events within 10 seconds
