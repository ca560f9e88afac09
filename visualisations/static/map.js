// Draws a relationship map from the JSON block #map-data with vis-network (inlined beside this script).
// Every string from the data reaches the page as text: labels are painted on the canvas, tooltips are
// plain strings that vis-network shows with innerText, and this script never writes markup.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var state = { settled: false, settledAt: null, physics: data.physics, nodeCount: 0, edgeCount: 0 };
  window.registryMap = state;

  function nodeTitle(n) {
    var group = data.groups[n[1]];
    return (n[6] || n[0]) + "\n" + group.term + (n[5] ? "\n" + n[5] : "");
  }

  function edgeTitle(e) {
    var style = data.edgeStyles[e[2]];
    var from = data.nodes[e[0]][6] || data.nodes[e[0]][0];
    var to = data.nodes[e[1]][6] || data.nodes[e[1]][0];
    var lines = [style.term, from + (style.arrows ? " → " : " — ") + to];
    if (style.power) {
      lines.push(to + " har makt över " + from + " / " + to + " holds power over " + from);
    }
    if (e[5]) {
      lines.push(e[5]);
    }
    return lines.join("\n");
  }

  var nodes = new vis.DataSet(
    data.nodes.map(function (n, i) {
      var node = { id: i, label: n[0], group: "g" + n[1], x: n[2], y: n[3], title: nodeTitle(n) };
      if (n[4]) {
        node.size = n[4];
      }
      return node;
    })
  );
  var edges = new vis.DataSet(
    data.edges.map(function (e, i) {
      var style = data.edgeStyles[e[2]];
      var edge = {
        id: i,
        from: e[0],
        to: e[1],
        color: { color: style.color, highlight: style.color, hover: style.color },
        arrows: style.arrows,
        dashes: style.dashes,
        width: e[3],
        title: edgeTitle(e),
      };
      if (e[4]) {
        edge.label = e[4];
      }
      return edge;
    })
  );
  state.nodes = nodes;
  state.edges = edges;
  state.nodeCount = nodes.length;
  state.edgeCount = edges.length;

  var groups = {};
  data.groups.forEach(function (g, i) {
    var colour = { background: g.color, border: g.border };
    groups["g" + i] = {
      shape: g.shape,
      color: { background: g.color, border: g.border, highlight: { background: g.color, border: "#222" }, hover: colour },
    };
  });
  var options = data.options;
  options.groups = groups;

  var container = document.getElementById("map");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  state.network = network;

  var stabilised = !data.physics;
  network.once("stabilizationIterationsDone", function () {
    // Stop the simulation once the layout has settled, so the map holds still while it is read.
    network.setOptions({ physics: false });
    stabilised = true;
  });
  network.on("afterDrawing", function () {
    if (stabilised && !state.settled) {
      state.settled = true;
      state.settledAt = performance.now();
      document.body.setAttribute("data-map-settled", "true");
    }
  });
  if (nodes.length === 0) {
    state.settled = true;
    state.settledAt = performance.now();
    document.body.setAttribute("data-map-settled", "true");
  }
})();
