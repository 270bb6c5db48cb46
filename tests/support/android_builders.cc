#include "support/android_builders.h"

#include "attestation/key_description.h"
#include "common/check.h"
#include "ossl/types.h"

namespace ca::testing {

Bytes DerTlv(const Bytes& tag, const Bytes& contents) {
  Bytes out = tag;
  const size_t n = contents.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else if (n <= 0xff) {
    out.insert(out.end(), {0x81, static_cast<uint8_t>(n)});
  } else {
    CA_CHECK(n <= 0xffff);
    out.insert(out.end(), {0x82, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
  }
  out.insert(out.end(), contents.begin(), contents.end());
  return out;
}

Bytes DerInteger(int64_t v, uint8_t tag) {
  CA_CHECK(v >= 0);
  Bytes body;
  do {
    body.insert(body.begin(), static_cast<uint8_t>(v & 0xff));
    v >>= 8;
  } while (v != 0);
  if (body[0] & 0x80) body.insert(body.begin(), 0x00);
  return DerTlv({tag}, body);
}

Bytes Explicit(uint32_t n, const Bytes& element) {
  if (n < 31) return DerTlv({static_cast<uint8_t>(0xa0 | n)}, element);
  Bytes tag = {0xbf};
  Bytes number;
  for (uint32_t v = n; v != 0; v >>= 7) number.insert(number.begin(), static_cast<uint8_t>(0x80 | (v & 0x7f)));
  number.back() &= 0x7f;
  tag.insert(tag.end(), number.begin(), number.end());
  return DerTlv(tag, element);
}

namespace {

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes Octets(const Bytes& b) { return DerTlv({0x04}, b); }

}  // namespace

Bytes MakeKeyDescription(const KeyDescriptionSpec& spec) {
  Bytes sw = Explicit(701, DerInteger(1700000000000));  // creationDateTime, as real lists have
  Bytes hw = Cat({Explicit(1, DerTlv({0x31}, DerInteger(2))), Explicit(2, DerInteger(3)), Explicit(3, DerInteger(256)),
                  Explicit(702, DerInteger(0))});
  if (spec.root_of_trust) {
    const Bytes rot = DerTlv({0x30}, Cat({Octets(spec.verified_boot_key),
                                          DerTlv({0x01}, {static_cast<uint8_t>(spec.device_locked ? 0xff : 0x00)}),
                                          DerInteger(spec.verified_boot_state, 0x0a), Octets(Bytes(32, 0xcd))}));
    hw = Cat({hw, Explicit(704, rot)});
  }
  if (spec.os_version) hw = Cat({hw, Explicit(705, DerInteger(*spec.os_version))});
  if (spec.os_patch_level) hw = Cat({hw, Explicit(706, DerInteger(*spec.os_patch_level))});
  if (spec.serial) {
    const Bytes serial = Explicit(713, Octets(ToBytes(*spec.serial)));
    if (spec.serial_in_software_list) {
      sw = Cat({sw, serial});
    } else {
      hw = Cat({hw, serial});
    }
  }
  if (spec.vendor_patch_level) hw = Cat({hw, Explicit(718, DerInteger(*spec.vendor_patch_level))});
  if (spec.boot_patch_level) hw = Cat({hw, Explicit(719, DerInteger(*spec.boot_patch_level))});
  for (const auto& e : spec.extra_hardware) hw = Cat({hw, e});
  return DerTlv({0x30}, Cat({DerInteger(spec.attestation_version), DerInteger(spec.attestation_security_level, 0x0a),
                             DerInteger(spec.keymint_version), DerInteger(spec.keymint_security_level, 0x0a),
                             Octets(spec.challenge), Octets(spec.unique_id), DerTlv({0x30}, sw),
                             DerTlv({0x30}, hw)}));
}

AndroidTestChain MakeAndroidChain(const std::optional<Bytes>& key_description, const std::string& leaf_group,
                                  UnixTime leaf_not_after) {
  AndroidTestChain chain;
  CertSpec root;
  root.common_name = "Test Android Attestation Root";
  root.not_before = 1600000000;  // 2020-09-13
  root.not_after = 2200000000;   // 2039-09-18
  root.is_ca = true;
  chain.root = MakeCert(root, nullptr);
  CertSpec inter = root;
  inter.common_name = "Test Android Attestation Intermediate";
  inter.key_group = "P-256";
  chain.intermediate = MakeCert(inter, &chain.root);
  CertSpec leaf;
  leaf.common_name = "Android Keystore Key";
  leaf.not_before = 0;              // Keystore's placeholder dates
  leaf.not_after = leaf_not_after;  // default 2106-02-07T06:28:15Z
  leaf.key_group = leaf_group;
  if (key_description) leaf.extensions.push_back({attestation::kKeyDescriptionOid, *key_description, false});
  chain.leaf = MakeCert(leaf, &chain.intermediate);
  chain.x5c = {chain.leaf.der, chain.intermediate.der};
  return chain;
}

Bytes SignKeyAuth(EVP_PKEY* key, std::string_view msg) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  CA_CHECK(ctx != nullptr);
  CA_CHECK(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1);
  size_t len = 0;
  CA_CHECK(EVP_DigestSign(ctx.get(), nullptr, &len, AsBytes(msg).data(), msg.size()) == 1);
  Bytes sig(len);
  CA_CHECK(EVP_DigestSign(ctx.get(), sig.data(), &len, AsBytes(msg).data(), msg.size()) == 1);
  sig.resize(len);
  return sig;
}

}  // namespace ca::testing
