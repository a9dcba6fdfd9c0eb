export { RemoteNodeService, type RemoteNodeInput, type RemoteNodeList } from './remote-node-service.js';
