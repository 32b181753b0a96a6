#!/usr/bin/python3
"""cri.py: a minimal CRI client, one call per run, as a kubelet makes them.

Usage: cri.py STUBS SOCKET METHOD [REQUEST-JSON]

STUBS is the directory holding cri_pb2.py and cri_pb2_grpc.py, generated from
cri.proto beside this file (python3 -m grpc_tools.protoc).  METHOD is a
RuntimeService method (RunPodSandbox) or Service.Method (ImageService.ImageStatus).
The request is given and the response printed as protobuf's JSON mapping
(camelCase or the proto's names in, the proto's names out; bytes in base64).
A gRPC error prints "METHOD: CODE: details" and exits 1.
"""
import sys


def main():
    if len(sys.argv) not in (4, 5):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    stubs, sock, method = sys.argv[1:4]
    body = sys.argv[4] if len(sys.argv) == 5 else "{}"
    sys.path.insert(0, stubs)
    import grpc
    from google.protobuf import json_format
    import cri_pb2
    import cri_pb2_grpc

    service, _, name = method.rpartition(".")
    service = service or "RuntimeService"
    desc = cri_pb2.DESCRIPTOR.services_by_name.get(service)
    if desc is None or name not in desc.methods_by_name:
        sys.stderr.write("cri.py: unknown method '%s'\n" % method)
        return 2
    m = desc.methods_by_name[name]
    req = getattr(cri_pb2, m.input_type.name)()
    try:
        json_format.Parse(body, req)
    except json_format.ParseError as e:
        sys.stderr.write("cri.py: bad request for %s: %s\n" % (method, e))
        return 2
    with grpc.insecure_channel("unix://" + sock) as ch:
        stub = getattr(cri_pb2_grpc, service + "Stub")(ch)
        try:
            resp = getattr(stub, name)(req, timeout=120)
        except grpc.RpcError as e:
            sys.stderr.write("%s: %s: %s\n" % (method, e.code().name, e.details()))
            return 1
    print(json_format.MessageToJson(resp, preserving_proto_field_name=True, including_default_value_fields=True, indent=None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
