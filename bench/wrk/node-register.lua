-- wrk script: PUT /v1/node/register with a new node (a CSI node-plugin fingerprint) per request.
-- Each wrk thread numbers its own nodes, so every request is a distinct node.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local id = string.format("bench-%d-%d", thread_id, counter)
  local body = string.format([[{"Node":{"ID":"%s","SecretID":"secret-%s","Name":"%s","Datacenter":"dc1","NodePool":"default","Status":"ready","SchedulingEligibility":"eligible","Attributes":{"kernel.name":"linux","cpu.arch":"amd64"},"CSINodePlugins":{"ebs":{"PluginID":"ebs","Healthy":true,"HealthDescription":"healthy","Provider":"ebs.csi.aws.com","ProviderVersion":"1.25.0","RequiresControllerPlugin":true,"NodeInfo":{"ID":"i-%s","MaxVolumes":25,"AccessibleTopology":{"Segments":{"topology.ebs.csi.aws.com/zone":"us-east-1a"}},"RequiresNodeStageVolume":true}}}}}]], id, id, id, id)
  return wrk.format("PUT", "/v1/node/register", {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx or socket errors: %d\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
