// Trains the small SentencePiece model the T5 tokenizer tests use (tests/data/golden/t5_tokenizer/
// spiece.model), with the settings of T5's own spiece.model: unigram, nmt_nfkc normalisation, a
// dummy prefix, pad 0, EOS 1, UNK 2, no BOS. The corpus is the test captions themselves (one per
// line), so every common word has pieces and rare characters fall to <unk>.
//
//   (needs libsentencepiece-dev; the engine reads spiece.model on its own)
//   g++ -std=c++17 -O2 tools/golden/make_spiece.cpp -o /tmp/make_spiece \
//       -lsentencepiece_train -lsentencepiece
//   python3 -c 'import json,sys; [print(c.replace("\n"," ")) for c in \
//       json.load(open("tests/data/golden/t5_tokenizer/captions.json"))]' > /tmp/corpus.txt
//   /tmp/make_spiece /tmp/corpus.txt tests/data/golden/t5_tokenizer/spiece

#include <sentencepiece_trainer.h>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: make_spiece CORPUS.txt OUTPUT_PREFIX\n";
        return 2;
    }
    const std::string args = std::string("--input=") + argv[1] + " --model_prefix=" + argv[2] +
                             " --model_type=unigram --vocab_size=400"
                             " --character_coverage=0.995 --normalization_rule_name=nmt_nfkc"
                             " --pad_id=0 --eos_id=1 --unk_id=2 --bos_id=-1"
                             " --pad_piece=<pad> --eos_piece=</s> --unk_piece=<unk>"
                             " --num_threads=1 --seed_sentencepiece_size=100000"
                             " --max_sentence_length=8192 --hard_vocab_limit=false";
    const auto status = sentencepiece::SentencePieceTrainer::Train(args);
    if (!status.ok()) {
        std::cerr << status.ToString() << "\n";
        return 1;
    }
    return 0;
}
