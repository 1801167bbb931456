/**
 * The EtherTypes the decoder and the tunnels it opens name (IEEE's registry): what a link layer,
 * a pseudowire or a tunnel says it carries.
 */
export const ETH_IPV4 = 0x0800;
export const ETH_IPV6 = 0x86dd;
export const ETH_ARP = 0x0806;
export const ETH_MPLS = 0x8847;
export const ETH_MPLS_MULTICAST = 0x8848;
export const ETH_PPPOE_SESSION = 0x8864;
/** 802.1ah provider backbone bridging (MAC-in-MAC): an I-TAG, then the customer's frame */
export const ETH_PBB = 0x88e7;
/** Transparent Ethernet Bridging: an Ethernet frame (GRE's and Geneve's protocol type for one) */
export const ETH_TEB = 0x6558;
