@events
Feature: Beacon event streams that survive node failure
  GET /cl/eth/v1/events is Vixy's own stream: it stays open when the beacon node
  serving it dies or hangs, moves to another node and fills in the blocks the client
  missed, never twice, and resumes from Last-Event-ID. Two Lodestar nodes of one
  chain: cl-1 follows (no validators, first in the config, so it serves), cl-2 is the
  block producer. Killing or freezing cl-1 leaves the chain going on cl-2.

  Background:
    Given 1 primary EL node
    And a beacon pair: a follower as "cl-1", then the block producer as "cl-2"

  Scenario: a frozen serving node: the stream moves after two slots of silence, no block missed
    Given Vixy checks node health too slowly to notice a hang before the stream does
    And Vixy is running in front of them
    When a client streams block and head events through Vixy
    And the client has received 2 block events
    Then the metric vixy_cl_event_upstream_node for node "cl-1" is 1
    When beacon node "cl-1" is frozen
    Then within 15 seconds the client receives a block event after the fault
    And the metric vixy_cl_event_stream_moves_total with reason "stall" is at least 1
    And the metric vixy_cl_event_upstream_node for node "cl-2" is 1
    And the client has received a block event for every slot with a block, none twice

  Scenario: a client that reconnects with Last-Event-ID gets what it missed, then the live stream
    Given Vixy is running in front of them
    When a client streams block and head events through Vixy
    And the client has received 2 block events
    And the client disconnects
    And the chain goes on for 2 blocks
    And the client reconnects with its Last-Event-ID
    Then within 10 seconds the client has received 2 more block events
    And the client has received a block event for every slot with a block, none twice
    And the client has received a head event for every block, none twice
    And the metric vixy_cl_event_resumes_total is 1

  Scenario: a killed serving node: the stream and @lodestar/api's event client carry on
    Given Vixy is running in front of them
    When a client streams block and head events through Vixy
    And @lodestar/api's event client streams block and head events through Vixy
    And the client has received 2 block events
    And beacon node "cl-1" is killed
    Then within 15 seconds the client receives a block event after the fault
    And within 10 seconds the client has received 2 more block events
    And the client has received a block event for every slot with a block, none twice
    And the metric vixy_cl_event_stream_moves_total with reason "closed" is at least 1
    And @lodestar/api's event client saw every block once and no error
