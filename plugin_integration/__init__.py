"""mmltr's integration layer: every call to a search cluster (LTR plugin, k-NN, indices) goes through here.

The embedded node (the ``embedded_node`` package, chosen in :mod:`.client`) is one more cluster behind the same opensearch-py client;
product code never knows which one it talks to.
"""
